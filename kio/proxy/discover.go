package proxy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
)

// Discover asks the upstream cluster for its brokers (a Metadata request to the
// bootstrap servers, in turn, until one answers) and opens a listener for each broker
// the proxy has none for yet. Start calls it once; call it again, or set
// DiscoveryInterval, to keep up with a cluster that grows. Responses that name a new
// broker open its listener anyway; discovering first means that a proxy restarted with
// fixed ports (ListenAddr) listens for every broker before a client that remembers
// their addresses comes back.
func (p *Proxy) Discover(ctx context.Context) error {
	var errs []error
	for _, up := range p.Upstream {
		err := p.discoverFrom(ctx, up)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", up, err))
	}
	return fmt.Errorf("kio/proxy: discover brokers: %w", errors.Join(errs...))
}

func (p *Proxy) discoverFrom(ctx context.Context, up string) error {
	c, err := p.dialUpstream(ctx, up)
	if err != nil {
		return err
	}
	defer c.Close()
	req := &metadata.MetadataRequest{Topics: []metadata.MetadataRequestTopic{}} // brokers only
	resp, err := client.Call[metadata.MetadataResponse](ctx, c, req)
	if err != nil {
		return err
	}
	_, err = RewriteEndpoints(resp, p.mapEndpoint)
	return err
}

// discoverEvery runs Discover every interval until the proxy closes.
func (p *Proxy) discoverEvery(interval time.Duration, stop <-chan struct{}) {
	defer p.wg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), interval)
			if err := p.Discover(ctx); err != nil {
				p.logError(err)
			}
			cancel()
		}
	}
}
