package io.kio.xbench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** The physical limit of a fresh encode of the 1 MiB fixtures: one new array, one copy. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CopyBench {
    @Param({"FetchResponse", "ProduceRequest"})
    public String fixture;

    private byte[] wire;

    @Setup
    public void setup() {
        wire = Fixture.named(fixture).wire;
    }

    @Benchmark
    public byte[] copy() {
        return wire.clone();
    }
}
