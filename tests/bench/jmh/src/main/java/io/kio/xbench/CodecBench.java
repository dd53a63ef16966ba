package io.kio.xbench;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.protocol.ApiMessage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Kafka's generated message classes (kafka-clients) on the fixtures of tests/bench:
 * decode, encode into a reused buffer, encode into a fresh one. The setup checks that
 * each operation reproduces the fixture bytes and fails the run otherwise.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CodecBench {
    @Param({"MetadataResponse", "MetadataRequest", "HeartbeatRequest", "FetchResponse", "ProduceRequest"})
    public String fixture;

    private Fixture fx;
    private ApiMessage value;
    private ByteBuffer reuse;

    @Setup
    public void setup() {
        fx = Fixture.named(fixture);
        value = fx.checkAll();
        reuse = ByteBuffer.allocate(fx.wire.length);
    }

    @Benchmark
    public ApiMessage decode() {
        return fx.decode();
    }

    @Benchmark
    public ByteBuffer encodeReuse() {
        return fx.encodeInto(value, reuse);
    }

    @Benchmark
    public ByteBuffer encodeFresh() {
        return fx.encodeFresh(value);
    }
}
