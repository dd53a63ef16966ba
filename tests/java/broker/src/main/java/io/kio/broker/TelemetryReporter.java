package io.kio.broker;

import java.util.List;
import java.util.Map;

import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.MetricsReporter;
import org.apache.kafka.server.telemetry.ClientTelemetry;
import org.apache.kafka.server.telemetry.ClientTelemetryReceiver;

/**
 * A metrics reporter that receives client telemetry (KIP-714), so that the broker serves
 * GetTelemetrySubscriptions and PushTelemetry, which it advertises only with such a
 * receiver. Each payload is logged to stdout (the node's log) for the test to find.
 */
public final class TelemetryReporter implements MetricsReporter, ClientTelemetry {
    @Override
    public void configure(Map<String, ?> configs) {}

    @Override
    public void init(List<KafkaMetric> metrics) {}

    @Override
    public void metricChange(KafkaMetric metric) {}

    @Override
    public void metricRemoval(KafkaMetric metric) {}

    @Override
    public void close() {}

    @Override
    public ClientTelemetryReceiver clientReceiver() {
        return (context, payload) -> System.out.println("kio-telemetry: client instance " + payload.clientInstanceId()
                + " pushed " + payload.data().remaining() + " bytes, terminating " + payload.isTerminating());
    }
}
