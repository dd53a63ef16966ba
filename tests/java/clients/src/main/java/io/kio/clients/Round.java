package io.kio.clients;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One produce/consume/admin round of Kafka's Java clients against a small broker (in
 * kio's suites, a fake built on kio/server): the Admin creates a topic, lists topics and
 * describes the cluster; a KafkaProducer (acks=all, not idempotent) writes five records
 * with a header; a KafkaConsumer without a group (assign, earliest) reads them back and
 * checks them. Usage: Round bootstrap topic [mechanism user password] (with a mechanism,
 * the clients log in over SASL_PLAINTEXT). Prints one line per step and "round ok" or
 * exits non-zero.
 */
public final class Round {
    private static final int RECORDS = 5;

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String topic = args[1];
        Properties base = new Properties();
        base.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        base.put(CommonClientConfigs.CLIENT_ID_CONFIG, "java-round");
        base.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 15000);
        if (args.length >= 5) {
            base.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
            base.put(SaslConfigs.SASL_MECHANISM, args[2]);
            String module = args[2].startsWith("SCRAM")
                    ? "org.apache.kafka.common.security.scram.ScramLoginModule"
                    : "org.apache.kafka.common.security.plain.PlainLoginModule";
            base.put(SaslConfigs.SASL_JAAS_CONFIG, module + " required username=\"" + args[3] + "\" password=\"" + args[4] + "\";");
        }

        Properties ap = (Properties) base.clone();
        ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30000);
        try (Admin admin = Admin.create(ap)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            if (!names.contains(topic)) {
                fail("listTopics " + names + " lacks " + topic);
            }
            Collection<Node> nodes = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
            if (nodes.size() != 1) {
                fail("describeCluster nodes " + nodes);
            }
            System.out.println("admin ok: created " + topic + ", listed " + names.size() + " topics, " + nodes.size() + " node");
        }

        Properties pp = (Properties) base.clone();
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        pp.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, 0, bytes("k" + i), bytes("java-" + i));
                r.headers().add("h", bytes("v" + i));
                RecordMetadata md = producer.send(r).get(30, TimeUnit.SECONDS);
                if (md.offset() != i) {
                    fail("record " + i + " at offset " + md.offset());
                }
            }
            System.out.println("produce ok: " + RECORDS + " records");
        }

        Properties cp = (Properties) base.clone();
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 30000;
            while (got.size() < RECORDS && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    got.add(r);
                }
            }
            if (got.size() != RECORDS) {
                fail("consumed " + got.size() + " records, want " + RECORDS);
            }
            for (int i = 0; i < RECORDS; i++) {
                ConsumerRecord<byte[], byte[]> r = got.get(i);
                String v = new String(r.value(), StandardCharsets.UTF_8);
                String h = new String(r.headers().lastHeader("h").value(), StandardCharsets.UTF_8);
                if (r.offset() != i || !v.equals("java-" + i) || !h.equals("v" + i)) {
                    fail("record " + i + ": offset " + r.offset() + " value " + v + " header " + h);
                }
            }
            System.out.println("consume ok: " + RECORDS + " records");
        }
        System.out.println("round ok");
    }

    private static void fail(String why) {
        System.out.println("round failed: " + why);
        System.exit(1);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
