package io.kio.oracle;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Random;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestAndSize;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * Messages answers the message ops: info, parse-and-rewrite, generate, broker parse. Its
 * static methods (newMessage, write, release) serve the JSON oracle too.
 */
public final class Messages {
    static final String PACKAGE = "org.apache.kafka.common.message.";

    /** Kinds of message, as the Go side numbers them. */
    static final int REQUEST = 0, RESPONSE = 1, HEADER = 2, DATA = 3;

    /**
     * newMessage returns an empty message: a request or response by API key through
     * ApiMessageType, a header ("RequestHeader", "ResponseHeader") as its ...Data class,
     * a data schema ("LeaderChangeMessage", "DefaultPrincipalData") by class name.
     */
    public static Message newMessage(int kind, short key, String name) throws ReflectiveOperationException {
        return switch (kind) {
            case REQUEST -> ApiMessageType.fromApiKey(key).newRequest();
            case RESPONSE -> ApiMessageType.fromApiKey(key).newResponse();
            case HEADER -> (Message) Class.forName(PACKAGE + name + "Data").getConstructor().newInstance();
            case DATA -> (Message) Class.forName(PACKAGE + name).getConstructor().newInstance();
            default -> throw new IllegalArgumentException("unknown kind " + kind);
        };
    }

    /** write writes m at version as Kafka's clients and brokers do. */
    public static byte[] write(Message m, short version) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int size = m.size(cache, version);
        ByteBuffer buf = ByteBuffer.allocate(size);
        m.write(new ByteBufferAccessor(buf), cache, version);
        if (buf.hasRemaining()) {
            throw new IllegalStateException("size " + size + " but wrote " + buf.position());
        }
        return buf.array();
    }

    void info(Reply reply) throws IOException {
        reply.string(release());
        ApiMessageType[] apis = ApiMessageType.values();
        reply.putInt(apis.length);
        for (ApiMessageType t : apis) {
            reply.putShort(t.apiKey()).putShort(t.lowestSupportedVersion()).putShort(t.highestSupportedVersion(true));
        }
        for (String h : new String[] {"RequestHeader", "ResponseHeader"}) {
            try {
                Message m = newMessage(HEADER, (short) -1, h);
                reply.putShort(m.lowestSupportedVersion()).putShort(m.highestSupportedVersion());
            } catch (ReflectiveOperationException e) {
                throw new IOException(e);
            }
        }
        List<String> names = dataSchemas();
        reply.putInt(names.size());
        for (String n : names) {
            try {
                Message m = newMessage(DATA, (short) -1, n);
                reply.string(n).putShort(m.lowestSupportedVersion()).putShort(m.highestSupportedVersion());
            } catch (ReflectiveOperationException e) {
                throw new IOException(e);
            }
        }
    }

    /** release reads the kafka-clients version from the jar's own properties file. */
    public static String release() throws IOException {
        java.util.Properties p = new java.util.Properties();
        try (java.io.InputStream in = ApiMessageType.class.getResourceAsStream("/kafka/kafka-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        }
        return p.getProperty("version", "unknown");
    }

    /**
     * dataSchemas finds the data-schema classes of the jar (specs of type "data"): the
     * top-level classes of org.apache.kafka.common.message that are ApiMessages without an
     * API key, the headers' ...Data classes excepted.
     */
    static List<String> dataSchemas() throws IOException {
        String jar = ApiMessageType.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        List<String> out = new ArrayList<>();
        try (JarFile f = new JarFile(jar)) {
            for (Enumeration<JarEntry> e = f.entries(); e.hasMoreElements(); ) {
                String n = e.nextElement().getName();
                String prefix = PACKAGE.replace('.', '/');
                if (!n.startsWith(prefix) || !n.endsWith(".class") || n.contains("$")) {
                    continue;
                }
                String simple = n.substring(prefix.length(), n.length() - ".class".length());
                if (simple.contains("/") || simple.equals("RequestHeaderData") || simple.equals("ResponseHeaderData")) {
                    continue;
                }
                try {
                    Class<?> c = Class.forName(PACKAGE + simple);
                    if (!ApiMessage.class.isAssignableFrom(c) || Modifier.isAbstract(c.getModifiers()) || c.isEnum()) {
                        continue;
                    }
                    ApiMessage m = (ApiMessage) c.getConstructor().newInstance();
                    if (m.apiKey() < 0) {
                        out.add(simple);
                    }
                } catch (ReflectiveOperationException | LinkageError ignored) {
                    // not a generated message class
                }
            }
        }
        out.sort(null);
        return out;
    }

    void parse(ByteBuffer req, Reply reply) {
        Target target = Target.read(req);
        short version = target.version();
        for (int i = 0; i < target.count(); i++) {
            ByteBuffer buf = ByteBuffer.wrap(Wire.readBlob(req));
            Message m;
            try {
                m = target.newMessage();
                m.read(new ByteBufferAccessor(buf), version);
            } catch (Throwable t) {
                reply.error(t);
                continue;
            }
            int trailing = buf.remaining();
            try {
                reply.ok(trailing, write(m, version));
            } catch (Throwable t) {
                reply.unwritable(trailing, t);
            }
        }
    }

    void generate(ByteBuffer req, Reply reply) {
        Target target = Target.read(req);
        short version = target.version();
        Generator g = new Generator(new Random(req.getLong()));
        List<byte[]> values = new ArrayList<>();
        try {
            for (int i = 0; i < target.count(); i++) {
                Message m = target.newMessage();
                g.fill(m, version);
                byte[] b = write(m, version);
                // Java must read its own bytes back to the same bytes, or the value is
                // not one Java stands behind.
                Message again = target.newMessage();
                ByteBuffer buf = ByteBuffer.wrap(b);
                again.read(new ByteBufferAccessor(buf), version);
                if (buf.hasRemaining() || !java.util.Arrays.equals(b, write(again, version))) {
                    throw new IllegalStateException("Java does not read back its own value: " + m);
                }
                values.add(b);
            }
        } catch (Throwable t) {
            reply.error(t);
            return;
        }
        reply.ok(0, new byte[0]);
        for (byte[] b : values) {
            reply.blob(b);
        }
        reply.putInt(g.nulls).putInt(g.tagged).putInt(g.unknownTags);
    }

    /**
     * brokerParse runs a request payload through the calls the broker makes on its
     * request path (SocketServer.Processor, RequestChannel.Request): RequestHeader.parse,
     * then RequestContext.parseRequest on the rest. The rewritten blob is the parsed body
     * written at the header's version.
     */
    void brokerParse(ByteBuffer req, Reply reply) {
        int n = req.getInt();
        for (int i = 0; i < n; i++) {
            ByteBuffer buf = ByteBuffer.wrap(Wire.readBlob(req));
            RequestHeader header;
            int headerSize;
            AbstractRequest body;
            try {
                header = RequestHeader.parse(buf);
                headerSize = buf.position();
                RequestContext ctx = new RequestContext(header, "127.0.0.1:1-127.0.0.1:2-0", InetAddress.getLoopbackAddress(),
                        KafkaPrincipal.ANONYMOUS, ListenerName.normalised("PLAINTEXT"), SecurityProtocol.PLAINTEXT,
                        ClientInformation.EMPTY, false);
                RequestAndSize parsed = ctx.parseRequest(buf);
                body = parsed.request;
            } catch (Throwable t) {
                reply.error(t);
                continue;
            }
            reply.putByte(0).putShort(header.apiKey().id).putShort(header.apiVersion()).putInt(headerSize);
            try {
                reply.ok(buf.remaining(), write(body.data(), body.version()));
            } catch (Throwable t) {
                reply.unwritable(buf.remaining(), t);
            }
        }
    }
}
