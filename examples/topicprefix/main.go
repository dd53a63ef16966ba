// Command topicprefix is a multi-tenant Kafka proxy: each tenant gets a bootstrap
// address of its own, and sees the shared cluster through a prefix. Tenant "a" creates,
// produces to and consumes topic "x" (and group "g"); the cluster holds "a.x" (and
// "a.g"); tenant "b" never sees them. The filters are in package tenant.
//
//	go run ./examples/topicprefix -upstream broker:9092 -tenant a=127.0.0.1:19092 -tenant b=127.0.0.1:29092
//
// Without -upstream it starts an in-process kfake cluster.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kio-go/kafka-protocol/examples/topicprefix/tenant"
	"github.com/kio-go/kafka-protocol/kio/proxy"
)

// tenants collects the -tenant flags: name=listen address.
type tenants []string

func (t *tenants) String() string     { return strings.Join(*t, ",") }
func (t *tenants) Set(v string) error { *t = append(*t, v); return nil }

func main() {
	upstream := flag.String("upstream", "", "comma-separated bootstrap servers; empty starts an in-process kfake cluster")
	var ts tenants
	flag.Var(&ts, "tenant", "name=host:port: a tenant and its bootstrap address (repeatable; default a=127.0.0.1:19092 and b=127.0.0.1:29092)")
	flag.Parse()
	if len(ts) == 0 {
		ts = tenants{"a=127.0.0.1:19092", "b=127.0.0.1:29092"}
	}
	if *upstream == "" {
		c, err := kfake.NewCluster(kfake.NumBrokers(3))
		if err != nil {
			log.Fatal(err)
		}
		defer c.Close()
		*upstream = c.ListenAddrs()[0]
		log.Printf("topicprefix: no -upstream: started a kfake cluster at %v", c.ListenAddrs())
	}
	var proxies []*proxy.Proxy
	for _, t := range ts {
		name, addr, ok := strings.Cut(t, "=")
		if !ok {
			log.Fatalf("topicprefix: -tenant %q: want name=host:port", t)
		}
		p, err := start(name, addr, strings.Split(*upstream, ","))
		if err != nil {
			log.Fatal("topicprefix: ", err)
		}
		defer p.Close()
		proxies = append(proxies, p)
		log.Printf("topicprefix: tenant %q bootstraps from %s (topics and groups %s.*)", name, p.BootstrapAddr(), name)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	<-stop
	for i, p := range proxies {
		fmt.Printf("tenant %s: %+v\n", ts[i], p.Stats())
	}
}

// start starts the proxy of one tenant: its own listeners (bootstrap at addr), the
// prefix filters of package tenant.
func start(name, addr string, upstream []string) (*proxy.Proxy, error) {
	var f proxy.Filters
	tenant.Install(&f, name+".")
	p := &proxy.Proxy{Upstream: upstream, Addr: addr, Filters: &f, ErrorLog: func(err error) { log.Print(err) }}
	return p, p.Start()
}
