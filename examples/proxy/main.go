// Command proxy is a pass-through Kafka proxy built on kio/proxy: one listener per
// broker of the upstream cluster, every broker address in responses rewritten to the
// proxy's, ApiVersions clamped to what kio reads, every other frame relayed untouched.
//
//	go run ./examples/proxy -upstream broker1:9092,broker2:9092 -listen 127.0.0.1:19092
//
// Clients are given the -listen address only. Without -upstream it starts an
// in-process three-broker cluster (franz-go's kfake) to stand in front of, so it runs
// anywhere. -tls-cert/-tls-key serve clients over TLS; -upstream-tls dials brokers over
// TLS (-upstream-ca names the CA file, else the system's).
package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kio-go/kafka-protocol/kio/proxy"
)

func main() {
	upstream := flag.String("upstream", "", "comma-separated bootstrap servers of the cluster; empty starts an in-process kfake cluster")
	listen := flag.String("listen", "127.0.0.1:19092", "address of the bootstrap listener; the brokers' listeners use its host and free ports")
	advertise := flag.String("advertise", "", "host clients are told to connect to (default: the listeners' own)")
	cert := flag.String("tls-cert", "", "certificate file for TLS to clients (with -tls-key)")
	key := flag.String("tls-key", "", "key file for TLS to clients")
	upTLS := flag.Bool("upstream-tls", false, "dial the brokers over TLS")
	upCA := flag.String("upstream-ca", "", "CA file for -upstream-tls (default: the system's roots)")
	refuse := flag.Bool("refuse-unknown-apis", false, "close connections that send API keys kio does not know, instead of relaying them")
	flag.Parse()

	p, err := newProxy(*upstream, *listen, *advertise, *cert, *key, *upTLS, *upCA, *refuse)
	if err != nil {
		log.Fatal("proxy: ", err)
	}
	if err := p.Start(); err != nil {
		log.Fatal("proxy: ", err)
	}
	log.Printf("proxy: clients bootstrap from %s, relayed to %s", p.BootstrapAddr(), strings.Join(p.Upstream, ","))
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	<-stop
	for _, m := range p.Mappings() {
		log.Printf("proxy: listener %s (advertised %s) -> broker %d at %s", m.Listen, m.Advertised, m.NodeID, m.Upstream)
	}
	log.Printf("proxy: %+v", p.Stats())
	p.Close()
}

// newProxy configures a Proxy from the flags (and starts a kfake cluster when no
// upstream is given).
func newProxy(upstream, listen, advertise, cert, key string, upTLS bool, upCA string, refuse bool) (*proxy.Proxy, error) {
	p := &proxy.Proxy{Addr: listen, AdvertisedHost: advertise, ErrorLog: func(err error) { log.Print(err) }}
	if upstream == "" {
		c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(3, "demo"))
		if err != nil {
			return nil, err
		}
		log.Printf("proxy: no -upstream: started a kfake cluster at %v with topic \"demo\"", c.ListenAddrs())
		upstream = c.ListenAddrs()[0]
	}
	p.Upstream = strings.Split(upstream, ",")
	if cert != "" || key != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("client TLS: %w", err)
		}
		p.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	}
	if upTLS {
		p.UpstreamTLS = &tls.Config{}
		if upCA != "" {
			pem, err := os.ReadFile(upCA)
			if err != nil {
				return nil, err
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, errors.New("no certificate in " + upCA)
			}
			p.UpstreamTLS.RootCAs = pool
		}
	}
	if refuse {
		p.UnknownAPIs = proxy.RefuseUnknownAPIs
	}
	return p, nil
}
