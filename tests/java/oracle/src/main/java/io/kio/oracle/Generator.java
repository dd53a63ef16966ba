package io.kio.oracle;

import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.types.BoundField;
import org.apache.kafka.common.protocol.types.Field;
import org.apache.kafka.common.protocol.types.RawTaggedField;
import org.apache.kafka.common.protocol.types.Schema;
import org.apache.kafka.common.protocol.types.TaggedFields;
import org.apache.kafka.common.protocol.types.Type;

/**
 * Generator fills Kafka's generated message classes with random values by reflection.
 * The layout at a version comes from the class's own SCHEMAS (which fields exist, their
 * wire types, the tagged fields by tag); the values go in through the class's setters.
 * Whether a field may be null at a version is asked of the class itself: a default
 * instance with that field null either writes or throws (the Schema cannot say, since
 * it describes a nullable struct as a plain one). Every field present at the version is
 * set; tagged fields half the time; unknown tagged fields, above every known tag, one
 * struct in four.
 */
final class Generator {
    private static final Map<String, Boolean> NULLABLE = new ConcurrentHashMap<>();
    private static final Map<Class<?>, Map<String, Method>> SETTERS = new ConcurrentHashMap<>();
    private static final String[] RUNES = {"a", "b", "z", "K", "0", "9", "-", "_", ".", " ", "é", "ß", "日本", "€", "😀"};

    /** No generated struct has this many tagged fields across its versions. */
    private static final int UNKNOWN_TAG_GAP = 32;

    private final Random r;

    /** What the values generated so far reached: nulls, tagged fields set, unknown tags. */
    int nulls, tagged, unknownTags;

    Generator(Random r) {
        this.r = r;
    }

    /** fill sets every field of the top-level message m that exists at version. */
    void fill(Message m, short version) throws ReflectiveOperationException {
        Schema[] schemas = (Schema[]) m.getClass().getField("SCHEMAS").get(null);
        fillStruct(m, schemas[version], version, 0);
    }

    private void fillStruct(Object o, Schema s, short version, int depth) throws ReflectiveOperationException {
        for (BoundField bf : s.fields()) {
            Field def = bf.def;
            if (def.type instanceof TaggedFields tf) {
                fillTagged(o, tf, version, depth);
            } else {
                set(o, def, version, depth);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void fillTagged(Object o, TaggedFields tf, short version, int depth) throws ReflectiveOperationException {
        java.lang.reflect.Field f = TaggedFields.class.getDeclaredField("fields");
        f.setAccessible(true);
        Map<Integer, Field> known = (Map<Integer, Field>) f.get(tf);
        int maxTag = -1;
        for (Map.Entry<Integer, Field> e : known.entrySet()) {
            maxTag = Math.max(maxTag, e.getKey());
            if (r.nextBoolean()) {
                set(o, e.getValue(), version, depth);
                tagged++;
            }
        }
        if (r.nextInt(4) == 0) {
            List<RawTaggedField> unknown = ((Message) o).unknownTaggedFields();
            // Above every tag of the struct at any version: Java refuses a tag its class
            // knows from another version ("Tag 1 is not valid for version 12"), and the
            // schema at hand shows only this version's tags.
            int tag = maxTag + 1 + UNKNOWN_TAG_GAP + r.nextInt(3);
            for (int i = 1 + r.nextInt(2); i > 0; i--) {
                unknown.add(new RawTaggedField(tag, bytes()));
                unknownTags++;
                tag += 1 + r.nextInt(200);
            }
        }
    }

    private void set(Object o, Field def, short version, int depth) throws ReflectiveOperationException {
        Method setter = setter(o.getClass(), def.name);
        Class<?> p = setter.getParameterTypes()[0];
        Object v;
        if (!p.isPrimitive() && r.nextInt(5) == 0 && nullable(o.getClass(), setter, version)) {
            v = null;
            nulls++;
        } else {
            v = value(def.type, p, setter.getGenericParameterTypes()[0], version, depth);
        }
        setter.invoke(o, v);
    }

    /** setter finds the setter of a schema field: "topic_id" is setTopicId. */
    private static Method setter(Class<?> c, String field) {
        Map<String, Method> byName = SETTERS.computeIfAbsent(c, k -> {
            Map<String, Method> m = new HashMap<>();
            for (Method x : k.getMethods()) {
                if (x.getName().startsWith("set") && x.getParameterCount() == 1) {
                    m.put(x.getName().substring(3).toLowerCase(Locale.ROOT), x);
                }
            }
            return m;
        });
        Method m = byName.get(field.replace("_", "").toLowerCase(Locale.ROOT));
        if (m == null) {
            throw new IllegalStateException(c.getName() + " has no setter for " + field);
        }
        return m;
    }

    /** nullable asks class c whether the field set by setter may be null at version. */
    private static boolean nullable(Class<?> c, Method setter, short version) {
        return NULLABLE.computeIfAbsent(c.getName() + "." + setter.getName() + "@" + version, k -> {
            try {
                Message m = (Message) c.getConstructor().newInstance();
                setter.invoke(m, (Object) null);
                ObjectSerializationCache cache = new ObjectSerializationCache();
                ByteBuffer buf = ByteBuffer.allocate(m.size(cache, version));
                m.write(new ByteBufferAccessor(buf), cache, version);
                return true;
            } catch (Throwable t) {
                return false;
            }
        });
    }

    private Object value(Type t, Class<?> p, java.lang.reflect.Type generic, short version, int depth)
            throws ReflectiveOperationException {
        if (t.isArray()) {
            Type et = t.arrayElementType().orElseThrow();
            Collection<Object> list;
            Class<?> elem;
            if (p.isInterface()) {
                list = new ArrayList<>();
                java.lang.reflect.Type arg = ((ParameterizedType) generic).getActualTypeArguments()[0];
                elem = (Class<?>) arg;
            } else {
                @SuppressWarnings("unchecked")
                Collection<Object> c = (Collection<Object>) p.getConstructor().newInstance();
                list = c;
                elem = Class.forName(p.getName().replaceFirst("Collection$", ""));
            }
            int n;
            if (!(et instanceof Schema) && r.nextInt(16) == 0) {
                n = 100 + r.nextInt(50); // a long array of primitives: multi-byte lengths
            } else {
                n = depth >= 3 ? 0 : r.nextInt(depth >= 1 ? 3 : 4);
            }
            for (int i = 0; i < n; i++) {
                list.add(value(et, elem, elem, version, depth + 1));
            }
            return list;
        }
        if (t instanceof Schema s) {
            Object o = p.getConstructor().newInstance();
            fillStruct(o, s, version, depth + 1);
            return o;
        }
        if (t == Type.BOOLEAN) return r.nextBoolean();
        if (t == Type.INT8) return (byte) integer(8);
        if (t == Type.INT16) return (short) integer(16);
        if (t == Type.UINT16) return (int) (integer(16) & 0xffff);
        if (t == Type.INT32) return (int) integer(32);
        if (t == Type.UNSIGNED_INT32) return integer(32) & 0xffffffffL;
        if (t == Type.INT64) return integer(64);
        if (t == Type.FLOAT64) return float64();
        if (t == Type.UUID) return new Uuid(r.nextLong(), r.nextLong());
        // Strings, bytes and records come in plain, compact and nullable variants
        // (NULLABLE_RECORDS is not even a public constant): match them by name.
        String name = t.toString();
        if (name.endsWith("STRING")) {
            return string();
        }
        if (name.endsWith("BYTES")) {
            byte[] b = bytes();
            return p == ByteBuffer.class ? ByteBuffer.wrap(b) : b;
        }
        if (name.endsWith("RECORDS")) {
            // The message classes keep records as opaque bytes; MemoryRecords moved
            // package in Kafka 4, so it is found beside the setter's BaseRecords.
            Class<?> mr = Class.forName(p.getPackageName() + ".MemoryRecords");
            return mr.getMethod("readableRecords", ByteBuffer.class).invoke(null, ByteBuffer.wrap(bytes()));
        }
        throw new IllegalStateException("no generator for type " + t);
    }

    /** integer returns a bits-wide integer, one time in three at a boundary. */
    private long integer(int bits) {
        long min = bits == 64 ? Long.MIN_VALUE : -(1L << (bits - 1));
        long max = bits == 64 ? Long.MAX_VALUE : (1L << (bits - 1)) - 1;
        return switch (r.nextInt(9)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> min;
            case 3 -> max;
            case 4 -> r.nextInt(10);
            default -> bits == 64 ? r.nextLong() : min + (long) (r.nextDouble() * ((double) max - min));
        };
    }

    private double float64() {
        return switch (r.nextInt(6)) {
            case 0 -> 0.0;
            case 1 -> -0.0;
            case 2 -> Double.MAX_VALUE;
            case 3 -> Double.MIN_VALUE;
            default -> (r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(40) - 20);
        };
    }

    private String string() {
        int n = r.nextInt(16) == 0 ? 100 + r.nextInt(100) : r.nextInt(12);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(RUNES[r.nextInt(RUNES.length)]);
        }
        return b.toString();
    }

    private byte[] bytes() {
        int n = r.nextInt(16) == 0 ? 100 + r.nextInt(200) : r.nextInt(16);
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }
}
