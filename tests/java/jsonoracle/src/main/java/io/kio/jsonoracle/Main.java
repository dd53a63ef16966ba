package io.kio.jsonoracle;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

/**
 * The JSON oracle: kafka-clients' generated ...JsonConverter classes judging kio's JSON
 * form (kio/kafkajson) for tests/jsonoracle, as a child process, one JVM per release.
 *
 * <p>Frames on stdin and stdout as tests/java/oracle's: int32 big-endian length and
 * bytes; a blob is an int32 length and bytes, a string a blob of UTF-8.
 *
 * <p>Request: string release check ignored; kind byte (0 request, 1 response, 2 header
 * by name, 3 data schema by class name), int16 API key, string name, int16 version,
 * int32 n, then n times (blob: the message as kio wrote it in binary; blob: kio's JSON
 * of it, records as base64 bytes). An empty request (length 0) asks for the release.
 *
 * <p>After kio's JSON come int32 m and m blobs: variants of kio's JSON (a member
 * dropped, a value of another JSON type, a member added) that Java reads like kio's own.
 *
 * <p>Reply per value: status 1 and a string (Java could not read kio's bytes or write
 * its JSON), or status 0, string Java's JSON (write with serializeRecords=true),
 * string Java's JSON (serializeRecords=false), then 0 and a blob (kio's JSON read by
 * Java's converter, written as bytes by Java) or 1 and a string (why Java could not),
 * then the same for each variant.
 *
 * <p>Java's read takes bytes only from a Jackson BinaryNode, which no parse of JSON
 * text yields (MessageUtil.jsonNodeToBinary checks isBinary), so before reading kio's
 * JSON the oracle turns each string at a place where Java's own tree of the same
 * message holds binary into the BinaryNode of its base64 (see {@link #adapt}).
 */
public final class Main {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String PACKAGE = "org.apache.kafka.common.message.";

    private Main() {}

    public static void main(String[] args) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(System.in, 1 << 16));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(System.out, 1 << 16));
        while (true) {
            int len;
            try {
                len = in.readInt();
            } catch (EOFException e) {
                return;
            }
            byte[] frame = new byte[len];
            in.readFully(frame);
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            DataOutputStream reply = new DataOutputStream(buf);
            if (len == 0) {
                string(reply, release());
            } else {
                compare(ByteBuffer.wrap(frame), reply);
            }
            reply.flush();
            out.writeInt(buf.size());
            buf.writeTo(out);
            out.flush();
        }
    }

    static String release() throws IOException {
        java.util.Properties p = new java.util.Properties();
        try (java.io.InputStream in = ApiMessageType.class.getResourceAsStream("/kafka/kafka-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        }
        return p.getProperty("version", "unknown");
    }

    static Message newMessage(int kind, short key, String name) throws ReflectiveOperationException {
        return switch (kind) {
            case 0 -> ApiMessageType.fromApiKey(key).newRequest();
            case 1 -> ApiMessageType.fromApiKey(key).newResponse();
            case 2 -> (Message) Class.forName(PACKAGE + name + "Data").getConstructor().newInstance();
            case 3 -> (Message) Class.forName(PACKAGE + name).getConstructor().newInstance();
            default -> throw new IllegalArgumentException("unknown kind " + kind);
        };
    }

    static void compare(ByteBuffer req, DataOutputStream reply) throws IOException {
        int kind = req.get();
        short key = req.getShort();
        String name = readString(req);
        short version = req.getShort();
        int n = req.getInt();
        for (int i = 0; i < n; i++) {
            byte[] bin = readBlob(req);
            byte[] kioJson = readBlob(req);
            int nv = req.getInt();
            byte[][] variants = new byte[nv][];
            for (int k = 0; k < nv; k++) {
                variants[k] = readBlob(req);
            }
            String javaTrue, javaFalse;
            JsonNode javaTree;
            Method read;
            Class<?> messageClass;
            try {
                Message m = newMessage(kind, key, name);
                m.read(new ByteBufferAccessor(ByteBuffer.wrap(bin)), version);
                messageClass = m.getClass();
                Class<?> conv = Class.forName(messageClass.getName() + "JsonConverter");
                Method write = conv.getMethod("write", messageClass, short.class, boolean.class);
                read = conv.getMethod("read", JsonNode.class, short.class);
                javaTree = (JsonNode) write.invoke(null, m, version, true);
                javaTrue = MAPPER.writeValueAsString(javaTree);
                javaFalse = MAPPER.writeValueAsString(write.invoke(null, m, version, false));
            } catch (Throwable t) {
                reply.writeByte(1);
                string(reply, describe(t));
                continue;
            }
            reply.writeByte(0);
            string(reply, javaTrue);
            string(reply, javaFalse);
            readAndWrite(kioJson, javaTree, read, version, reply);
            for (byte[] v : variants) {
                readAndWrite(v, javaTree, read, version, reply);
            }
        }
    }

    /** readAndWrite has Java's converter read json and the message write itself as bytes. */
    static void readAndWrite(byte[] json, JsonNode javaTree, Method read, short version, DataOutputStream reply) throws IOException {
        try {
            JsonNode tree = adapt(MAPPER.readTree(json), javaTree);
            Message back = (Message) read.invoke(null, tree, version);
            byte[] written = write(back, version);
            reply.writeByte(0);
            reply.writeInt(written.length);
            reply.write(written);
        } catch (Throwable t) {
            reply.writeByte(1);
            string(reply, describe(t));
        }
    }

    /**
     * adapt returns kio's tree with every string that stands where Java's tree of the
     * same message has binary replaced by the BinaryNode of its base64: the one change
     * Java's read needs to take bytes from parsed text. Nothing else is touched.
     */
    static JsonNode adapt(JsonNode kio, JsonNode java) {
        if (java == null) {
            return kio;
        }
        if (java.isBinary() && kio.isTextual()) {
            try {
                return new BinaryNode(Base64.getDecoder().decode(kio.asText()));
            } catch (IllegalArgumentException e) {
                return kio;
            }
        }
        if (kio.isObject() && java.isObject()) {
            ObjectNode o = (ObjectNode) kio;
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                e.setValue(adapt(e.getValue(), java.get(e.getKey())));
            }
            return o;
        }
        if (kio.isArray() && java.isArray()) {
            ArrayNode a = (ArrayNode) kio;
            for (int i = 0; i < a.size() && i < java.size(); i++) {
                a.set(i, adapt(a.get(i), java.get(i)));
            }
            return a;
        }
        return kio;
    }

    static byte[] write(Message m, short version) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int size = m.size(cache, version);
        ByteBuffer buf = ByteBuffer.allocate(size);
        m.write(new ByteBufferAccessor(buf), cache, version);
        return buf.array();
    }

    static void string(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    static String readString(ByteBuffer b) {
        return new String(readBlob(b), StandardCharsets.UTF_8);
    }

    static byte[] readBlob(ByteBuffer b) {
        byte[] s = new byte[b.getInt()];
        b.get(s);
        return s;
    }

    static String describe(Throwable t) {
        Throwable root = t;
        while (root instanceof InvocationTargetException && root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
