package io.kio.oracle;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Reply accumulates one reply frame's body in the encoding Main documents (and the JSON
 * oracle's, which shares its results: status 0 and bytes, or 1 and the exception).
 */
public final class Reply {
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    private final DataOutputStream out = new DataOutputStream(buf);

    public Reply putByte(int v) { return run(() -> out.writeByte(v)); }
    public Reply putShort(int v) { return run(() -> out.writeShort(v)); }
    public Reply putInt(int v) { return run(() -> out.writeInt(v)); }
    public Reply putLong(long v) { return run(() -> out.writeLong(v)); }

    public Reply blob(byte[] b) {
        return run(() -> {
            out.writeInt(b.length);
            out.write(b);
        });
    }

    public Reply string(String s) { return blob(s.getBytes(StandardCharsets.UTF_8)); }

    /** ok writes a successful result: status 0, the unread byte count, the rewritten bytes. */
    public Reply ok(int trailing, byte[] rewritten) { return putByte(0).putInt(trailing).blob(rewritten); }

    /**
     * unwritable writes a result read but not written back: status 2, the unread byte
     * count and the description of the exception writing threw.
     */
    public Reply unwritable(int trailing, Throwable t) { return putByte(2).putInt(trailing).string(Wire.describe(t)); }

    /** error writes a failed result: status 1 and the exception's description. */
    public Reply error(Throwable t) { return putByte(1).string(Wire.describe(t)); }

    public byte[] bytes() { return buf.toByteArray(); }

    private interface IO { void run() throws IOException; }

    private Reply run(IO f) {
        try {
            f.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return this;
    }
}
