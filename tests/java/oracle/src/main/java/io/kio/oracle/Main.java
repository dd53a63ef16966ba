package io.kio.oracle;

/** The Java oracle's entry point (filled in by the Java-oracle work). */
public final class Main {
    public static void main(String[] args) {
        System.out.println(org.apache.kafka.common.protocol.ApiKeys.values().length);
    }
}
