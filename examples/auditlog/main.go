// Command auditlog is a Kafka proxy that writes one JSON line per request frame: when,
// which connection (client address and id, the SASL principal if the proxy
// authenticates), which API and version, and the decoded request body (encoding/json
// over kio's generated structs; Produce records are summarized as byte counts).
//
//	go run ./examples/auditlog -upstream broker:9092 -listen 127.0.0.1:19092 > audit.jsonl
//
// Without -upstream it starts an in-process kfake cluster. Every request is decoded for
// the log and relayed as it came (the filter returns proxy.Pass), so the log cannot
// change what the broker gets.
package main

import (
	"encoding/json"
	"flag"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/proxy"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
)

func main() {
	upstream := flag.String("upstream", "", "comma-separated bootstrap servers; empty starts an in-process kfake cluster")
	listen := flag.String("listen", "127.0.0.1:19092", "address of the bootstrap listener")
	flag.Parse()
	if *upstream == "" {
		c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(3, "demo"))
		if err != nil {
			log.Fatal(err)
		}
		defer c.Close()
		*upstream = c.ListenAddrs()[0]
		log.Printf("auditlog: no -upstream: started a kfake cluster at %v with topic \"demo\"", c.ListenAddrs())
	}
	p := newProxy(strings.Split(*upstream, ","), *listen, os.Stdout)
	if err := p.Start(); err != nil {
		log.Fatal("auditlog: ", err)
	}
	log.Printf("auditlog: clients bootstrap from %s; one JSON line per request on stdout", p.BootstrapAddr())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	<-stop
	p.Close()
}

// Entry is one line of the log.
type Entry struct {
	Time          time.Time `json:"time"`
	Conn          uint64    `json:"conn"`
	Client        string    `json:"client"`
	ClientID      *string   `json:"clientId"`
	Principal     string    `json:"principal,omitempty"`
	API           string    `json:"api"`
	APIKey        int16     `json:"apiKey"`
	Version       int16     `json:"version"`
	CorrelationID int32     `json:"correlationId"`
	Body          any       `json:"body"`
}

// newProxy is the audit proxy: every request decoded, logged to out, relayed unchanged.
func newProxy(upstream []string, listen string, out io.Writer) *proxy.Proxy {
	var mu sync.Mutex
	enc := json.NewEncoder(out)
	var f proxy.Filters
	proxy.OnEveryRequest(&f, func(c *proxy.Call, body any) proxy.Verdict {
		e := Entry{Time: time.Now().UTC(), Conn: c.Conn.ID, Client: addr(c.Conn.Client), ClientID: c.Header.ClientId,
			Principal: c.Conn.Principal, APIKey: c.APIKey, Version: c.Version, CorrelationID: c.Header.CorrelationId, Body: body}
		if api, ok := schema.Lookup(c.APIKey); ok {
			e.API = api.Name
		}
		if pr, ok := body.(*produce.ProduceRequest); ok {
			e.Body = summarize(pr)
		}
		mu.Lock()
		defer mu.Unlock()
		if err := enc.Encode(e); err != nil {
			log.Printf("auditlog: %v", err)
		}
		return proxy.Pass
	})
	return &proxy.Proxy{Upstream: upstream, Addr: listen, Filters: &f, ErrorLog: func(err error) { log.Print(err) }}
}

func addr(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// ProduceSummary is a Produce request without its records' bytes.
type ProduceSummary struct {
	TransactionalId *common.TransactionalId
	Acks            int16
	TimeoutMs       int32
	Topics          []ProduceTopic
}

// ProduceTopic is a topic of a ProduceSummary.
type ProduceTopic struct {
	Name       string   `json:",omitempty"` // up to v12
	TopicId    kio.UUID `json:",omitzero"`  // from v13
	Partitions []ProducePartition
}

// ProducePartition is a partition of a ProduceTopic.
type ProducePartition struct {
	Index       int32
	RecordBytes int
}

func summarize(r *produce.ProduceRequest) ProduceSummary {
	s := ProduceSummary{TransactionalId: r.TransactionalId, Acks: r.Acks, TimeoutMs: r.TimeoutMs}
	for _, t := range r.TopicData {
		pt := ProduceTopic{Name: string(t.Name), TopicId: t.TopicId}
		for _, p := range t.PartitionData {
			pt.Partitions = append(pt.Partitions, ProducePartition{Index: p.Index, RecordBytes: len(p.Records)})
		}
		s.Topics = append(s.Topics, pt)
	}
	return s
}
