package io.kio.clients;

/** The Java clients's entry point (filled in by the Java-clients work). */
public final class Main {
    public static void main(String[] args) {
        System.out.println(org.apache.kafka.common.protocol.ApiKeys.values().length);
    }
}
