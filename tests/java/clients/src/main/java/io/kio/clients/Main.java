package io.kio.clients;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.AddRaftVoterOptions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RaftVoterEndpoint;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
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
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionReplica;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.metrics.KafkaMetric;
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
 * consumer group protocols; and every method of the release's Admin interface (those of
 * one release only through reflection, so the same source builds against each). Usage:
 * Main bootstrap. Prints one line per step, then "admin methods: N of M called; not
 * called: ..." (counted by a recording proxy around the Admin, so a call that was never
 * made cannot be claimed), and exits non-zero if a step that must work failed.
 */
public final class Main {
    private static final String TOPIC = "java-clients";
    private static final String[] CODECS = {"none", "gzip", "snappy", "lz4", "zstd"};
    private static int failures;
    private static String bootstrap;

    public static void main(String[] args) throws Exception {
        bootstrap = args[0];
        Set<String> called = ConcurrentHashMap.newKeySet();
        try (Admin admin = recording(Admin.create(common(new Properties())), called)) {
            must("createTopics", () -> admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get());
            int produced = produce();
            produced += transaction(admin);
            consume("classic", produced);
            consume("consumer", produced);
            admin(admin);
        }
        Set<String> methods = new TreeSet<>();
        for (Method m : Admin.class.getMethods()) {
            if (!Modifier.isStatic(m.getModifiers())) {
                methods.add(m.getName());
            }
        }
        Set<String> uncalled = new TreeSet<>(methods);
        uncalled.removeAll(called);
        methods.retainAll(called);
        System.out.println("admin methods: " + methods.size() + " of " + (methods.size() + uncalled.size())
                + " called; not called: " + (uncalled.isEmpty() ? "none" : String.join(" ", uncalled)));
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
        // The commit's marker reaches __consumer_offsets asynchronously: until it has, the
        // offset is pending and the group lists none for the partition, so ask again.
        must("listConsumerGroupOffsets txn", () -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> got = admin.listConsumerGroupOffsets("java-txn-group").partitionsToOffsetAndMetadata().get();
                OffsetAndMetadata committed = got.get(new TopicPartition(TOPIC, 0));
                if (committed != null && committed.offset() == 3) {
                    return got;
                }
                if (committed != null || System.nanoTime() > deadline) {
                    throw new IllegalStateException("transactional offset " + got);
                }
                Thread.sleep(100);
            }
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
        must("fenceProducers", () -> admin.fenceProducers(List.of("java-txn")).all().get());
        everyOther(admin);
        must("deleteConsumerGroupOffsets", () -> admin.deleteConsumerGroupOffsets("java-txn-group", Set.of(tp0)).all().get());
        must("deleteConsumerGroups", () -> admin.deleteConsumerGroups(List.of("java-classic", "java-txn-group")).all().get());
        must("deleteTopics", () -> admin.deleteTopics(List.of(TOPIC)).all().get());
    }

    /**
     * Calls the Admin methods the other steps leave out, each once: the broker may answer
     * with an error (delegation tokens need a SASL connection, share and streams groups
     * a feature this node may lack, the ids 99 name nothing): what counts is that both
     * frames cross the proxy. Methods of one release only are called by name.
     */
    private static void everyOther(Admin admin) {
        TopicPartition tp0 = new TopicPartition(TOPIC, 0);
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC);
        may("createDelegationToken", () -> admin.createDelegationToken().delegationToken().get());
        may("renewDelegationToken", () -> admin.renewDelegationToken(bytes("no-such-hmac")).expiryTimestamp().get());
        may("expireDelegationToken", () -> admin.expireDelegationToken(bytes("no-such-hmac")).expiryTimestamp().get());
        may("describeDelegationToken", () -> admin.describeDelegationToken().delegationTokens().get());
        may("alterConsumerGroupOffsets", () -> admin.alterConsumerGroupOffsets("java-consumer",
                Map.of(tp0, new OffsetAndMetadata(2, "kio"))).all().get());
        // A named member: removing "all" of an empty group fails in the client, before any frame.
        may("removeMembersFromConsumerGroup", () -> admin.removeMembersFromConsumerGroup("java-classic",
                new RemoveMembersFromConsumerGroupOptions(List.of(new MemberToRemove("java-no-such-member")))).all().get());
        may("abortTransaction", () -> admin.abortTransaction(new AbortTransactionSpec(tp0, 987654L, (short) 0, 0)).all().get());
        may("alterReplicaLogDirs", () -> {
            String dir = admin.describeLogDirs(List.of(1)).allDescriptions().get().get(1).keySet().iterator().next();
            return admin.alterReplicaLogDirs(Map.of(new TopicPartitionReplica(TOPIC, 0, 1), dir)).all().get();
        });
        may("unregisterBroker", () -> admin.unregisterBroker(99).all().get());
        may("addRaftVoter", () -> admin.addRaftVoter(99, Uuid.randomUuid(),
                Set.of(new RaftVoterEndpoint("CONTROLLER", "127.0.0.1", 9)), new AddRaftVoterOptions().timeoutMs(3000)).all().get());
        may("removeRaftVoter", () -> admin.removeRaftVoter(99, Uuid.randomUuid()).all().get());
        may("listClientMetricsResources", () -> byName(admin, "listClientMetricsResources"));
        may("clientInstanceId", () -> admin.clientInstanceId(Duration.ofSeconds(2)));
        must("metrics", () -> admin.metrics().size());
        // Kafka 4.x only, and local: they choose the client's own metrics it pushes.
        Metric metric = admin.metrics().values().iterator().next();
        if (metric instanceof KafkaMetric) {
            mayByName(admin, "registerMetricForSubscription", metric);
            mayByName(admin, "unregisterMetricFromSubscription", metric);
        }
        // Kafka 3.x only (removed in 4.0).
        mayByName(admin, "alterConfigs", Map.of(topic, new org.apache.kafka.clients.admin.Config(
                List.of(new ConfigEntry("retention.ms", "7200000")))));
        // Kafka 4.x only.
        mayByName(admin, "listConfigResources");
        mayByName(admin, "listGroups");
        mayByName(admin, "describeClassicGroups", List.of("java-classic"));
        mayByName(admin, "forceTerminateTransaction", "java-no-such-txn");
        mayByName(admin, "unregisterController", 99);
        mayByName(admin, "describeShareGroups", List.of("java-share"));
        mayByName(admin, "listShareGroupOffsets", Map.of("java-share", spec("ListShareGroupOffsetsSpec")));
        mayByName(admin, "alterShareGroupOffsets", "java-share", Map.of(tp0, 0L));
        mayByName(admin, "deleteShareGroupOffsets", "java-share", Set.of(TOPIC));
        mayByName(admin, "deleteShareGroups", List.of("java-share"));
        mayByName(admin, "describeStreamsGroups", List.of("java-streams"));
        mayByName(admin, "listStreamsGroupOffsets", Map.of("java-streams", spec("ListStreamsGroupOffsetsSpec")));
        mayByName(admin, "alterStreamsGroupOffsets", "java-streams", Map.of(tp0, new OffsetAndMetadata(0)));
        mayByName(admin, "deleteStreamsGroupOffsets", "java-streams", Set.of(tp0));
        mayByName(admin, "deleteStreamsGroups", List.of("java-streams"));
    }

    /** A new instance of a 4.x spec class of package admin; where the release lacks it, it lacks the method taking it too, which is then skipped. */
    private static Object spec(String simpleName) {
        try {
            return Class.forName("org.apache.kafka.clients.admin." + simpleName).getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            return "absent";
        }
    }

    /** Calls the Admin method of that name and arity if this release has it, as a may step. */
    private static void mayByName(Admin admin, String name, Object... args) {
        if (find(name, args.length) != null) {
            may(name, () -> byName(admin, name, args));
        }
    }

    private static Method find(String name, int arity) {
        for (Method m : Admin.class.getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == arity && !Modifier.isStatic(m.getModifiers())) {
                return m;
            }
        }
        return null;
    }

    /** Calls an Admin method by name and waits for its result's all() (or its only future). */
    private static Object byName(Admin admin, String name, Object... args) throws Exception {
        Method m = find(name, args.length);
        if (m == null) {
            throw new NoSuchMethodException(name);
        }
        Object result;
        try {
            result = m.invoke(admin, args);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
        }
        if (result == null) {
            return null;
        }
        Method all = null;
        for (Method r : result.getClass().getMethods()) {
            if (r.getParameterCount() == 0 && KafkaFuture.class.isAssignableFrom(r.getReturnType())
                    && (all == null || r.getName().equals("all"))) {
                all = r;
            }
        }
        if (all == null) {
            return result;
        }
        return ((KafkaFuture<?>) all.invoke(result)).get(30, TimeUnit.SECONDS);
    }

    /** Wraps an Admin so that the name of every method called on it is recorded. */
    private static Admin recording(Admin real, Set<String> called) {
        return (Admin) Proxy.newProxyInstance(Admin.class.getClassLoader(), new Class<?>[] {Admin.class}, (proxy, m, args) -> {
            called.add(m.getName());
            try {
                return m.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
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
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            System.out.println(name + " answered " + cause.getClass().getSimpleName());
        }
    }
}
