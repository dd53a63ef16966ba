package io.kio.oracle;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The Java oracle: Apache Kafka's own message classes answering kio's Go tests
 * (tests/javaoracle, tests/robustness) as a long-lived child process, one JVM per Kafka
 * release.
 *
 * <h2>Protocol</h2>
 * Requests on stdin and replies on stdout are frames (see {@link Wire}): an int32
 * big-endian length, then that many bytes. Inside a frame integers are big-endian; a
 * "blob" is an int32 length and its bytes; a "string" is a blob of UTF-8. The first byte
 * of a request is its op:
 * <ul>
 * <li>{@code 'I'} info. Reply: string release, int32 n, then n times (int16 api key,
 *     int16 lowest version, int16 highest version including an unstable latest one);
 *     the RequestHeader's and the ResponseHeader's lowest and highest versions (int16s); int32 m, then m times (string data-schema class, int16 lowest, int16 highest).</li>
 * <li>{@code 'P'} parse and rewrite. Request: kind byte (see {@link Messages#newMessage}),
 *     int16 api key, string name, int16 version, int32 n, n blobs. Reply: n results.</li>
 * <li>{@code 'G'} generate. Request: kind, int16 key, string name, int16 version,
 *     int32 n, int64 seed. Reply: a result whose blob is unused (status 0) or an error
 *     (status 1), then n blobs, each a random value written by Java, and three int32s:
 *     how many fields the values hold null, tagged fields set, unknown tagged fields.</li>
 * <li>{@code 'B'} the broker's request path. Request: int32 n, n blobs, each a request
 *     frame's payload (header and body, no size prefix). Reply: n results; a success
 *     carries, after the status byte, int16 key, int16 version and int32 header size, then the int32 trailing and the blob.</li>
 * <li>{@code 'R'} build record batches. Request: int32 n, int64 seed. Reply: n times
 *     (blob batches, string description).</li>
 * <li>{@code 'D'} describe record batches. Request: int32 n, n blobs. Reply: n results,
 *     the blob holding the UTF-8 description.</li>
 * </ul>
 * A result is a status byte: 0 then int32 trailing (bytes the reader left unread) and a
 * blob (the rewritten bytes); or 1 then a string (the exception's class and message).
 * An unknown op or a broken frame ends the process.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws IOException {
        Messages messages = new Messages();
        Records records = new Records();
        Wire.serve(frame -> {
            ByteBuffer req = ByteBuffer.wrap(frame);
            Reply reply = new Reply();
            byte op = req.get();
            switch (op) {
                case 'I' -> messages.info(reply);
                case 'P' -> messages.parse(req, reply);
                case 'G' -> messages.generate(req, reply);
                case 'B' -> messages.brokerParse(req, reply);
                case 'R' -> records.build(req, reply);
                case 'D' -> records.describe(req, reply);
                default -> throw new IOException("unknown op " + op);
            }
            return reply.bytes();
        });
    }
}
