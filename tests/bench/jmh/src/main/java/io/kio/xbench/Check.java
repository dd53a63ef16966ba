package io.kio.xbench;

import java.nio.file.Path;

/**
 * Checks, before any timing, that kafka-clients decodes every fixture file in the
 * directory given as the argument and encodes it back to the same bytes, both ways.
 * Exits with status 1 otherwise.
 */
public final class Check {
    private Check() {}

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: Check FIXTURE_DIR");
            System.exit(2);
        }
        try {
            for (Fixture f : Fixture.all(Path.of(args[0]))) {
                f.checkAll();
                System.out.printf("ok %s key %d v%d: kafka-clients reproduces %d bytes%n", f.name, f.apiKey, f.version, f.wire.length);
            }
        } catch (RuntimeException e) {
            System.err.println("kafka-clients check: " + e);
            System.exit(1);
        }
    }
}
