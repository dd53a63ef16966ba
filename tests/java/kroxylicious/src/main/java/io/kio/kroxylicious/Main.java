package io.kio.kroxylicious;

import io.kroxylicious.proxy.KafkaProxy;
import io.kroxylicious.proxy.config.ConfigParser;
import io.kroxylicious.proxy.config.Configuration;
import io.kroxylicious.proxy.internal.config.Features;

/**
 * Starts kroxylicious with one virtual cluster in front of one Kafka cluster and no
 * filters, on loopback: the bootstrap on the given port and one port per broker after
 * it (node ids 0 to 3, so ports port+1 to port+4), then prints "listening on
 * 127.0.0.1:port" and serves until killed.
 *
 * <p>Usage: Main upstream-bootstrap port
 */
public final class Main {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: Main upstream-bootstrap port");
            System.exit(2);
        }
        String upstream = args[0];
        int port = Integer.parseInt(args[1]);
        // The configuration file's own form, parsed by kroxylicious' own parser (0.12.0:
        // virtual clusters are a list; a gateway names how nodes are told apart).
        String yaml = """
                virtualClusters:
                  - name: bench
                    targetCluster:
                      bootstrapServers: %s
                    gateways:
                      - name: plain
                        portIdentifiesNode:
                          bootstrapAddress: 127.0.0.1:%d
                          advertisedBrokerAddressPattern: 127.0.0.1
                          nodeIdRanges:
                            - name: nodes
                              start: 0
                              end: 3
                """.formatted(upstream, port);
        ConfigParser parser = new ConfigParser();
        Configuration config = parser.parseConfiguration(yaml);
        KafkaProxy proxy = new KafkaProxy(parser, config, Features.defaultFeatures());
        proxy.startup();
        System.out.println("listening on 127.0.0.1:" + port);
        System.out.flush();
        proxy.block();
    }
}
