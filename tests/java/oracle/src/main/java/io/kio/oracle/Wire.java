package io.kio.oracle;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Wire is the framing the Java helpers speak with their Go side (tests/kafkadist's JVM):
 * requests on stdin and replies on stdout are frames, an int32 big-endian length and
 * that many bytes; inside a frame a "blob" is an int32 length and its bytes, a "string"
 * a blob of UTF-8. The JSON oracle (tests/java/jsonoracle) speaks it too.
 */
public final class Wire {
    private Wire() {}

    /** Handler answers one request frame with the body of its reply frame. */
    public interface Handler {
        byte[] answer(byte[] frame) throws IOException;
    }

    /** serve answers the frames on stdin on stdout, one reply each, until the Go side closes stdin. */
    public static void serve(Handler h) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(System.in, 1 << 16));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(System.out, 1 << 16));
        while (true) {
            int len;
            try {
                len = in.readInt();
            } catch (EOFException e) {
                return; // the Go side closed stdin: done
            }
            byte[] frame = new byte[len];
            in.readFully(frame);
            byte[] body = h.answer(frame);
            out.writeInt(body.length);
            out.write(body);
            out.flush();
        }
    }

    public static String readString(ByteBuffer b) {
        return new String(readBlob(b), StandardCharsets.UTF_8);
    }

    public static byte[] readBlob(ByteBuffer b) {
        byte[] s = new byte[b.getInt()];
        b.get(s);
        return s;
    }

    /** describe names an exception as the Go side reports it. */
    public static String describe(Throwable t) {
        Throwable root = t;
        while (root instanceof InvocationTargetException && root.getCause() != null) {
            root = root.getCause();
        }
        String msg = root.getClass().getSimpleName() + ": " + root.getMessage();
        if (root.getCause() != null && root.getCause() != root) {
            msg += " (caused by " + root.getCause().getClass().getSimpleName() + ": " + root.getCause().getMessage() + ")";
        }
        return msg;
    }
}
