package io.kio.oracle;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Random;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;

/**
 * Records builds record batches with Kafka's MemoryRecordsBuilder and describes batches
 * read with MemoryRecords, every batch's CRC checked (ensureValid). Kafka 4 moved these
 * classes to org.apache.kafka.common.record.internal, so they are reached by reflection
 * from whichever package this release has; the method names are the same in both.
 *
 * A description is text, one line per batch and one per record:
 * {@code batch magic=M codec=C txn=B control=B pid=P epoch=E seq=S} and
 * {@code record offset=O ts=T key=HEX|null value=HEX|null headers=[k=HEX|null ...]},
 * the timestamp being the one Kafka presents (the batch's max timestamp under
 * LogAppendTime).
 */
final class Records {
    private static final HexFormat HEX = HexFormat.of();

    private final String pkg;
    private final Method readableRecords, builder, build, appendWithOffset, appendEndTxnMarker, batches, buffer;
    private final Method ensureValid, magic, compressionType, isTransactional, isControlBatch, producerId, producerEpoch,
            baseSequence, timestampType, maxTimestamp;
    private final Method offset, timestamp, key, value, headers;
    private final Constructor<?> endTxnMarker;
    private final Class<?> controlRecordType;

    Records() {
        try {
            String p = "org.apache.kafka.common.record.internal";
            try {
                Class.forName(p + ".MemoryRecords");
            } catch (ClassNotFoundException e) {
                p = "org.apache.kafka.common.record"; // Kafka 3
            }
            pkg = p;
            Class<?> mr = cls("MemoryRecords"), mrb = cls("MemoryRecordsBuilder"), rb = cls("RecordBatch"), rec = cls("Record");
            readableRecords = mr.getMethod("readableRecords", ByteBuffer.class);
            builder = mr.getMethod("builder", ByteBuffer.class, byte.class, Compression.class, TimestampType.class, long.class,
                    long.class, long.class, short.class, int.class, boolean.class, boolean.class, int.class);
            build = mrb.getMethod("build");
            appendWithOffset = mrb.getMethod("appendWithOffset", long.class, long.class, byte[].class, byte[].class, Header[].class);
            controlRecordType = cls("ControlRecordType");
            Class<?> etm = cls("EndTransactionMarker");
            endTxnMarker = etm.getConstructor(controlRecordType, int.class);
            appendEndTxnMarker = mrb.getMethod("appendEndTxnMarker", long.class, etm);
            batches = mr.getMethod("batches");
            buffer = mr.getMethod("buffer");
            ensureValid = rb.getMethod("ensureValid");
            magic = rb.getMethod("magic");
            compressionType = rb.getMethod("compressionType");
            isTransactional = rb.getMethod("isTransactional");
            isControlBatch = rb.getMethod("isControlBatch");
            producerId = rb.getMethod("producerId");
            producerEpoch = rb.getMethod("producerEpoch");
            baseSequence = rb.getMethod("baseSequence");
            timestampType = rb.getMethod("timestampType");
            maxTimestamp = rb.getMethod("maxTimestamp");
            offset = rec.getMethod("offset");
            timestamp = rec.getMethod("timestamp");
            key = rec.getMethod("key");
            value = rec.getMethod("value");
            headers = rec.getMethod("headers");
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private Class<?> cls(String name) throws ClassNotFoundException {
        return Class.forName(pkg + "." + name);
    }

    /** build answers op 'R': n random batch sets, each with Java's description of it. */
    void build(ByteBuffer req, Reply reply) {
        int n = req.getInt();
        Random r = new Random(req.getLong());
        for (int i = 0; i < n; i++) {
            try {
                ByteBuffer all = ByteBuffer.allocate(0);
                for (int b = 1 + r.nextInt(2); b > 0; b--) {
                    ByteBuffer one = batch(r);
                    ByteBuffer joined = ByteBuffer.allocate(all.remaining() + one.remaining());
                    joined.put(all).put(one).flip();
                    all = joined;
                }
                byte[] bytes = new byte[all.remaining()];
                all.get(bytes);
                reply.blob(bytes).string(describe(bytes));
            } catch (Throwable t) {
                reply.blob(new byte[0]).string("error: " + Wire.describe(t));
            }
        }
    }

    private static final Compression[] CODECS = {
        Compression.NONE, Compression.gzip().build(), Compression.snappy().build(), Compression.lz4().build(),
        Compression.zstd().build(),
    };

    /** batch builds one batch: magic 0, 1 or 2, any codec, headers, control, idempotent, transactional. */
    private ByteBuffer batch(Random r) throws ReflectiveOperationException {
        byte mg = (byte) (r.nextInt(4) == 0 ? r.nextInt(2) : 2);
        Compression codec = CODECS[r.nextInt(mg == 2 ? 5 : 4)]; // zstd needs magic 2
        boolean control = mg == 2 && r.nextInt(8) == 0;
        boolean txn = mg == 2 && (control || r.nextInt(4) == 0);
        boolean idempotent = txn || (mg == 2 && r.nextInt(3) == 0);
        long pid = idempotent ? Math.abs(r.nextLong() % 1_000_000) : -1;
        short epoch = (short) (idempotent ? r.nextInt(100) : -1);
        int seq = idempotent ? r.nextInt(1000) : -1;
        TimestampType tsType = mg == 0 ? TimestampType.NO_TIMESTAMP_TYPE
                : (r.nextInt(5) == 0 ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME);
        long base = r.nextInt(3) == 0 ? 0 : r.nextInt(1 << 20);
        long logAppendTime = tsType == TimestampType.LOG_APPEND_TIME ? 1_700_000_000_000L + r.nextInt(1000) : -1;
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        Object b = builder.invoke(null, buf, mg, control ? Compression.NONE : codec, tsType, base, logAppendTime, pid, epoch,
                seq, txn, control, mg == 2 ? r.nextInt(50) - 1 : -1);
        if (control) {
            Object type = controlRecordType.getField(r.nextBoolean() ? "COMMIT" : "ABORT").get(null);
            appendEndTxnMarker.invoke(b, base, endTxnMarker.newInstance(type, r.nextInt(100)));
        } else {
            long ts = 1_600_000_000_000L + r.nextInt(1_000_000);
            for (int i = 0, n = 1 + r.nextInt(5); i < n; i++) {
                Header[] hs = new Header[mg == 2 ? r.nextInt(3) : 0];
                for (int h = 0; h < hs.length; h++) {
                    hs[h] = new RecordHeader("h" + r.nextInt(10), r.nextInt(5) == 0 ? null : bytes(r));
                }
                appendWithOffset.invoke(b, base + i, ts + r.nextInt(1000), r.nextInt(4) == 0 ? null : bytes(r),
                        r.nextInt(8) == 0 ? null : bytes(r), hs);
            }
        }
        return (ByteBuffer) buffer.invoke(build.invoke(b));
    }

    private static byte[] bytes(Random r) {
        byte[] b = new byte[r.nextInt(4) == 0 ? r.nextInt(300) : r.nextInt(12)];
        // Compressible now and then, so the codecs have something to do.
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (r.nextBoolean() ? 'k' : r.nextInt(256));
        }
        return b;
    }

    /** describe answers op 'D': each blob read as batches, CRCs checked, described. */
    void describe(ByteBuffer req, Reply reply) {
        int n = req.getInt();
        for (int i = 0; i < n; i++) {
            byte[] b = Wire.readBlob(req);
            try {
                reply.ok(0, describe(b).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (Throwable t) {
                reply.error(t);
            }
        }
    }

    private String describe(byte[] bytes) throws ReflectiveOperationException {
        StringBuilder out = new StringBuilder();
        Object records = readableRecords.invoke(null, ByteBuffer.wrap(bytes));
        for (Object batch : (Iterable<?>) batches.invoke(records)) {
            ensureValid.invoke(batch);
            Object ct = compressionType.invoke(batch);
            int codec = ct.getClass().getField("id").getInt(ct);
            boolean logAppend = timestampType.invoke(batch) == TimestampType.LOG_APPEND_TIME;
            out.append(String.format("batch magic=%d codec=%d txn=%b control=%b pid=%d epoch=%d seq=%d%n",
                    magic.invoke(batch), codec, isTransactional.invoke(batch), isControlBatch.invoke(batch),
                    producerId.invoke(batch), producerEpoch.invoke(batch), baseSequence.invoke(batch)));
            for (Object rec : (Iterable<?>) batch) {
                long ts = logAppend ? (long) maxTimestamp.invoke(batch) : (long) timestamp.invoke(rec);
                out.append(String.format("record offset=%d ts=%d key=%s value=%s headers=[", offset.invoke(rec), ts,
                        hex((ByteBuffer) key.invoke(rec)), hex((ByteBuffer) value.invoke(rec))));
                String sep = "";
                for (Header h : (Header[]) headers.invoke(rec)) {
                    out.append(sep).append(h.key()).append('=').append(h.value() == null ? "null" : HEX.formatHex(h.value()));
                    sep = " ";
                }
                out.append("]\n");
            }
        }
        return out.toString();
    }

    private static String hex(ByteBuffer b) {
        if (b == null) {
            return "null";
        }
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return HEX.formatHex(a);
    }
}
