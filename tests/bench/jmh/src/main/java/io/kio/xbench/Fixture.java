package io.kio.xbench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

/**
 * One fixture file of tests/bench: a message body at one version, named
 * {@code <Message>.key<API key>.v<version>.bin}, and the three operations every
 * implementation is timed on, written as Kafka's own clients and brokers use the
 * generated {@code ...Data} classes.
 */
final class Fixture {
    final String name;
    final short apiKey;
    final short version;
    final byte[] wire;
    private final ApiMessageType type;
    private final boolean request;

    private Fixture(String name, short apiKey, short version, byte[] wire) {
        this.name = name;
        this.apiKey = apiKey;
        this.version = version;
        this.wire = wire;
        this.type = ApiMessageType.fromApiKey(apiKey);
        if (name.endsWith("Request")) {
            request = true;
        } else if (name.endsWith("Response")) {
            request = false;
        } else {
            throw new IllegalArgumentException("fixture " + name + ": name ends in neither Request nor Response");
        }
    }

    /** The directory of the fixture files: system property xbench.fixtures. */
    static Path dir() {
        String dir = System.getProperty("xbench.fixtures");
        if (dir == null || dir.isEmpty()) {
            throw new IllegalStateException("set -Dxbench.fixtures to the directory of the fixture files");
        }
        return Path.of(dir);
    }

    /** Every fixture file in dir, sorted by name. */
    static List<Fixture> all(Path dir) {
        List<Fixture> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.key*.v*.bin")) {
            for (Path file : files) {
                String[] parts = file.getFileName().toString().split("\\.");
                if (parts.length != 4) {
                    throw new IllegalArgumentException("fixture file " + file + ": want <Message>.key<N>.v<N>.bin");
                }
                short key = Short.parseShort(parts[1].substring("key".length()));
                short version = Short.parseShort(parts[2].substring("v".length()));
                out.add(new Fixture(parts[0], key, version, Files.readAllBytes(file)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort((a, b) -> a.name.compareTo(b.name));
        if (out.isEmpty()) {
            throw new IllegalStateException("no fixture files in " + dir);
        }
        return out;
    }

    /** The fixture of that message name. */
    static Fixture named(String name) {
        for (Fixture f : all(dir())) {
            if (f.name.equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("no fixture file for " + name + " in " + dir());
    }

    /** Decodes the fixture into a new message, records aliasing the input as Kafka's do. */
    ApiMessage decode() {
        ApiMessage m = request ? type.newRequest() : type.newResponse();
        m.read(new ByteBufferAccessor(ByteBuffer.wrap(wire)), version);
        return m;
    }

    /** Encodes m into a new buffer of its exact size (what MessageUtil does). */
    ByteBuffer encodeFresh(ApiMessage m) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int size = m.size(cache, version);
        ByteBuffer buf = ByteBuffer.allocate(size);
        m.write(new ByteBufferAccessor(buf), cache, version);
        buf.flip();
        return buf;
    }

    /** Encodes m into buf, which the caller reuses (cleared here). */
    ByteBuffer encodeInto(ApiMessage m, ByteBuffer buf) {
        buf.clear();
        ObjectSerializationCache cache = new ObjectSerializationCache();
        m.size(cache, version); // fills the cache the write needs (strings' bytes, sizes)
        m.write(new ByteBufferAccessor(buf), cache, version);
        buf.flip();
        return buf;
    }

    /** Fails unless buf holds exactly the fixture's bytes. */
    void check(String what, ByteBuffer buf) {
        byte[] got = new byte[buf.remaining()];
        buf.duplicate().get(got);
        if (!Arrays.equals(got, wire)) {
            int at = Arrays.mismatch(got, wire);
            throw new IllegalStateException("kafka-clients " + name + " v" + version + " " + what
                    + ": the encoding differs from the fixture (" + got.length + " bytes, want " + wire.length
                    + "; first difference at byte " + at + ")");
        }
    }

    /** Checks every operation reproduces the fixture's bytes; returns the decoded value. */
    ApiMessage checkAll() {
        ApiMessage m = decode();
        check("fresh encode", encodeFresh(m));
        check("encode into a reused buffer", encodeInto(m, ByteBuffer.allocate(wire.length)));
        return m;
    }
}
