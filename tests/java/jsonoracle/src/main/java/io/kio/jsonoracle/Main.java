package io.kio.jsonoracle;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.kio.oracle.Messages;
import io.kio.oracle.Reply;
import io.kio.oracle.Target;
import io.kio.oracle.Wire;

import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;

/**
 * The JSON oracle: kafka-clients' generated ...JsonConverter classes judging kio's JSON
 * form (kio/kafkajson) for tests/jsonoracle, as a child process, one JVM per release.
 *
 * <p>Frames on stdin and stdout as tests/java/oracle's, through its {@link Wire}: int32
 * big-endian length and bytes; a blob is an int32 length and bytes, a string a blob of
 * UTF-8. The oracle's classes (Wire, Target, Messages, Reply) serve this one too: the
 * module depends on tests/java/oracle.
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

    private Main() {}

    public static void main(String[] args) throws IOException {
        Wire.serve(frame -> {
            Reply reply = new Reply();
            if (frame.length == 0) {
                reply.string(Messages.release());
            } else {
                compare(ByteBuffer.wrap(frame), reply);
            }
            return reply.bytes();
        });
    }

    static void compare(ByteBuffer req, Reply reply) {
        Target target = Target.read(req);
        short version = target.version();
        for (int i = 0; i < target.count(); i++) {
            byte[] bin = Wire.readBlob(req);
            byte[] kioJson = Wire.readBlob(req);
            int nv = req.getInt();
            byte[][] variants = new byte[nv][];
            for (int k = 0; k < nv; k++) {
                variants[k] = Wire.readBlob(req);
            }
            String javaTrue, javaFalse;
            JsonNode javaTree;
            Method read;
            Class<?> messageClass;
            try {
                Message m = target.newMessage();
                m.read(new ByteBufferAccessor(ByteBuffer.wrap(bin)), version);
                messageClass = m.getClass();
                Class<?> conv = Class.forName(messageClass.getName() + "JsonConverter");
                Method write = conv.getMethod("write", messageClass, short.class, boolean.class);
                read = conv.getMethod("read", JsonNode.class, short.class);
                javaTree = (JsonNode) write.invoke(null, m, version, true);
                javaTrue = MAPPER.writeValueAsString(javaTree);
                javaFalse = MAPPER.writeValueAsString(write.invoke(null, m, version, false));
            } catch (Throwable t) {
                reply.error(t);
                continue;
            }
            reply.putByte(0).string(javaTrue).string(javaFalse);
            readAndWrite(kioJson, javaTree, read, version, reply);
            for (byte[] v : variants) {
                readAndWrite(v, javaTree, read, version, reply);
            }
        }
    }

    /** readAndWrite has Java's converter read json and the message write itself as bytes. */
    static void readAndWrite(byte[] json, JsonNode javaTree, Method read, short version, Reply reply) {
        try {
            JsonNode tree = adapt(MAPPER.readTree(json), javaTree);
            Message back = (Message) read.invoke(null, tree, version);
            byte[] written = Messages.write(back, version); // before the status: it may throw
            reply.putByte(0).blob(written);
        } catch (Throwable t) {
            reply.error(t);
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
}
