// Package proxysuite proves kio/proxy with real clients (kgo and kadm, kcat, Kafka's
// Java clients) in front of franz-go's kfake and real Kafka clusters started by
// tests/realkafka: every record produced comes back once, no broker address reaches a
// client, faults (a leader stopped and started, the proxy restarted, a stalled broker, a
// client leaving mid-request) lose nothing acknowledged, and hostile clients are refused
// without disturbing the others. The package holds tests only.
package proxysuite
