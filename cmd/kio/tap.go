package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// runTap is a pass-through proxy: every byte goes to the other side unchanged, and a
// copy of each direction is decoded as decode does with a capture.
func runTap(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:19092", "address to accept clients on")
	upstream := fs.String("upstream", "127.0.0.1:9092", "the Kafka broker to forward to")
	var df decodeFlags
	df.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	p, err := df.printer(stdout, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "kio tap: %s -> %s\n", ln.Addr(), *upstream)
	return serveTap(ctx, ln, *upstream, p)
}

// serveTap accepts clients on ln until ctx ends, forwarding each to upstream.
func serveTap(ctx context.Context, ln net.Listener, upstream string, p *printer) error {
	go func() { <-ctx.Done(); ln.Close() }()
	var mu sync.Mutex // the printer and the halves' connection state are shared
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		client, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer client.Close()
			server, err := net.DialTimeout("tcp", upstream, 10*time.Second)
			if err != nil {
				mu.Lock()
				fmt.Fprintf(p.stderr, "kio tap: %v\n", err)
				mu.Unlock()
				return
			}
			defer server.Close()
			c := newConn(client.RemoteAddr().String() + ">" + upstream)
			req := &half{c: c, request: true, synced: true}
			resp := &half{c: c, synced: true}
			done := make(chan struct{}, 2)
			pump := func(dst, src net.Conn, h *half) {
				defer func() { done <- struct{}{} }()
				buf := make([]byte, 64<<10)
				for {
					n, err := src.Read(buf)
					if n > 0 {
						if _, werr := dst.Write(buf[:n]); werr != nil {
							return
						}
						mu.Lock()
						h.feed(p, buf[:n], time.Now())
						p.out.Flush()
						mu.Unlock()
					}
					if err != nil {
						return
					}
				}
			}
			go pump(server, client, req)
			go pump(client, server, resp)
			<-done
			client.Close()
			server.Close()
			<-done
		}()
	}
}
