package io.kio.clients;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionReplica;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Drives Kafka's own Java clients against a broker (in kio's suites, through kio's
 * decoding proxy): KafkaProducer with acks 0, 1 and all, idempotence, every codec and
 * a transaction with sendOffsetsToTransaction; KafkaConsumer with the classic and the
 * consumer group protocols; and the AdminClient's methods. Usage: Main bootstrap.
 * Prints one line per step and exits non-zero if a step that must work failed.
 */
public final class Main {
    private static final String TOPIC = "java-clients";
    private static final String[] CODECS = {"none", "gzip", "snappy", "lz4", "zstd"};
    private static int failures;
    private static String bootstrap;

    public static void main(String[] args) throws Exception {
        bootstrap = args[0];
        try (Admin admin = Admin.create(common(new Properties()))) {
            must("createTopics", () -> admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get());
            int produced = produce();
            produced += transaction(admin);
            consume("classic", produced);
            consume("consumer", produced);
            admin(admin);
        }
        System.out.println("failures " + failures);
        System.exit(failures == 0 ? 0 : 1);
    }

    private static Properties common(Properties p) {
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "java");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 20000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30000);
        return p;
    }

    /** Produces 10 records per acks setting and codec; returns how many. */
    private static int produce() throws Exception {
        int n = 0;
        for (String acks : new String[] {"0", "1", "all"}) {
            for (String codec : CODECS) {
                Properties p = common(new Properties());
                p.put(ProducerConfig.ACKS_CONFIG, acks);
                p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
                p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, acks.equals("all"));
                p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                    for (int i = 0; i < 10; i++) {
                        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(TOPIC, i % 2, bytes("k" + i), bytes(acks + "/" + codec + "/" + i));
                        r.headers().add("h", bytes("v" + i));
                        producer.send(r).get(30, TimeUnit.SECONDS);
                    }
                }
                n += 10;
                System.out.println("produce acks=" + acks + " codec=" + codec + " ok");
            }
        }
        return n;
    }

    /** A committed transaction with sendOffsetsToTransaction, and an aborted one. */
    private static int transaction(Admin admin) throws Exception {
        Properties p = common(new Properties());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "java-txn");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        Properties cp = consumerProps("java-txn-group", "classic");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, bytes("t" + i), bytes("txn " + i)));
            }
            Map<TopicPartition, OffsetAndMetadata> offsets = Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(3, "kio"));
            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(TOPIC, 1, bytes("a"), bytes("aborted")));
            producer.abortTransaction();
        }
        System.out.println("transaction commit and abort ok");
        must("listConsumerGroupOffsets txn", () -> {
            Map<TopicPartition, OffsetAndMetadata> got = admin.listConsumerGroupOffsets("java-txn-group").partitionsToOffsetAndMetadata().get();
            if (got.get(new TopicPartition(TOPIC, 0)).offset() != 3) {
                throw new IllegalStateException("transactional offset " + got);
            }
            return got;
        });
        return 5;
    }

    private static Properties consumerProps(String group, String protocol) {
        Properties p = common(new Properties());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put("group.protocol", protocol);
        return p;
    }

    /** Subscribes with the given group protocol and reads until every record arrived. */
    private static void consume(String protocol, int want) {
        must("consume group.protocol=" + protocol, () -> {
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps("java-" + protocol, protocol),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.subscribe(List.of(TOPIC));
                int got = 0;
                long deadline = System.currentTimeMillis() + 60000;
                while (got < want && System.currentTimeMillis() < deadline) {
                    ConsumerRecords<byte[], byte[]> rs = consumer.poll(Duration.ofMillis(500));
                    got += rs.count();
                }
                // acks=0 records may be lost in principle; on loopback none are.
                if (got != want) {
                    throw new IllegalStateException("consumed " + got + " of " + want);
                }
                consumer.commitSync();
                return got;
            }
        });
    }

    private static void admin(Admin admin) {
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC);
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
        TopicPartition tp0 = new TopicPartition(TOPIC, 0);
        must("listTopics", () -> admin.listTopics().names().get());
        must("describeTopics", () -> admin.describeTopics(List.of(TOPIC)).allTopicNames().get());
        must("describeCluster", () -> admin.describeCluster().nodes().get());
        must("describeConfigs", () -> admin.describeConfigs(List.of(topic, broker)).all().get());
        must("incrementalAlterConfigs", () -> admin.incrementalAlterConfigs(Map.of(topic,
                List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "3600000"), AlterConfigOp.OpType.SET)))).all().get());
        must("createPartitions", () -> admin.createPartitions(Map.of(TOPIC, NewPartitions.increaseTo(3))).all().get());
        AclBinding acl = new AclBinding(new ResourcePattern(ResourceType.TOPIC, TOPIC, PatternType.LITERAL),
                new AccessControlEntry("User:java", "*", AclOperation.READ, AclPermissionType.ALLOW));
        must("createAcls", () -> admin.createAcls(List.of(acl)).all().get());
        must("describeAcls", () -> admin.describeAcls(AclBindingFilter.ANY).values().get());
        must("deleteAcls", () -> admin.deleteAcls(List.of(new AclBindingFilter(ResourcePatternFilter.ANY,
                new AccessControlEntryFilter("User:java", null, AclOperation.ANY, AclPermissionType.ANY)))).all().get());
        must("describeLogDirs", () -> admin.describeLogDirs(List.of(1)).allDescriptions().get());
        must("describeReplicaLogDirs", () -> admin.describeReplicaLogDirs(List.of(new TopicPartitionReplica(TOPIC, 0, 1))).all().get());
        must("listConsumerGroups", () -> admin.listConsumerGroups().all().get());
        must("describeConsumerGroups", () -> admin.describeConsumerGroups(List.of("java-classic", "java-consumer")).all().get());
        must("listConsumerGroupOffsets", () -> admin.listConsumerGroupOffsets("java-classic").partitionsToOffsetAndMetadata().get());
        must("listOffsets", () -> admin.listOffsets(Map.of(tp0, OffsetSpec.latest(), new TopicPartition(TOPIC, 1), OffsetSpec.earliest())).all().get());
        must("listOffsets maxTimestamp", () -> admin.listOffsets(Map.of(tp0, OffsetSpec.maxTimestamp())).all().get());
        must("deleteRecords", () -> admin.deleteRecords(Map.of(tp0, RecordsToDelete.beforeOffset(1))).all().get());
        must("describeFeatures", () -> admin.describeFeatures().featureMetadata().get());
        may("updateFeatures", () -> admin.updateFeatures(Map.of("metadata.version", new FeatureUpdate((short) 1, FeatureUpdate.UpgradeType.UPGRADE)),
                new UpdateFeaturesOptions().validateOnly(true)).all().get());
        ClientQuotaEntity entity = new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, "java"));
        must("alterClientQuotas", () -> admin.alterClientQuotas(List.of(new ClientQuotaAlteration(entity,
                List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 1024.0))))).all().get());
        must("describeClientQuotas", () -> admin.describeClientQuotas(ClientQuotaFilter.all()).entities().get());
        must("alterUserScramCredentials", () -> admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("java",
                new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "java-secret"))).all().get());
        must("describeUserScramCredentials", () -> admin.describeUserScramCredentials().all().get());
        must("describeMetadataQuorum", () -> admin.describeMetadataQuorum().quorumInfo().get());
        must("listTransactions", () -> admin.listTransactions().all().get());
        must("describeTransactions", () -> admin.describeTransactions(List.of("java-txn")).all().get());
        must("describeProducers", () -> admin.describeProducers(List.of(tp0)).all().get());
        may("electLeaders", () -> admin.electLeaders(ElectionType.PREFERRED, Set.of(tp0)).all().get());
        must("listPartitionReassignments", () -> admin.listPartitionReassignments().reassignments().get());
        must("alterPartitionReassignments", () -> admin.alterPartitionReassignments(Map.of(tp0,
                Optional.of(new NewPartitionReassignment(List.of(1))))).all().get());
        may("abortTransaction none", () -> admin.listTransactions().all().get());
        must("fenceProducers", () -> admin.fenceProducers(List.of("java-txn")).all().get());
        must("deleteConsumerGroupOffsets", () -> admin.deleteConsumerGroupOffsets("java-txn-group", Set.of(tp0)).all().get());
        must("deleteConsumerGroups", () -> admin.deleteConsumerGroups(List.of("java-classic", "java-txn-group")).all().get());
        must("deleteTopics", () -> admin.deleteTopics(List.of(TOPIC)).all().get());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Runs a step that must succeed. */
    private static void must(String name, Callable<?> step) {
        try {
            step.call();
            System.out.println(name + " ok");
        } catch (Exception e) {
            failures++;
            System.out.println(name + " FAILED: " + e);
        }
    }

    /** Runs a step whose outcome the broker decides (an error answer is fine: the frames are what count). */
    private static void may(String name, Callable<?> step) {
        try {
            step.call();
            System.out.println(name + " ok");
        } catch (Exception e) {
            System.out.println(name + " answered " + e.getClass().getSimpleName());
        }
    }
}
