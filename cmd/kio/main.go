// Command kio looks at Kafka traffic: it turns frames, hex dumps and packet captures
// into Kafka's JSON form of every message (kio/kafkajson), JSON back into frames, and
// lists what kio knows of every API.
//
//	kio decode [-port 9092[,9093...]] [-pretty] [-records] [-filter Metadata,Produce] [-assume API:V] [file]
//	kio encode -api Metadata -version 12 [-response] [-body] [-correlation 1] [-client-id id] [file]
//	kio apis [-release 3.9|4.4.0]
//	kio describe Metadata 12 [request|response]
//	kio tap -listen 127.0.0.1:19092 -upstream 127.0.0.1:9092 [-pretty] [-records] [-filter ...]
//
// decode reads a file or stdin: a pcap or pcapng capture (gopacket's pure-Go pcapgo;
// TCP reassembled by gopacket's reassembly; packets to or from -port are Kafka's, and
// -port takes a list, 9092,9093,9094, for a cluster's brokers), raw
// size-prefixed frames, or hex lines (one frame a line). It prints one JSON line per
// frame: the connection (client>server), the direction, the capture time, the API name,
// key and version, the correlation id, the client id (requests), the frame size, and
// the body in Kafka's JSON form. Responses are paired with their requests by
// correlation id per connection; a capture that starts mid-stream or loses segments is
// resynchronised at the first frame that decodes; a response whose request was not
// captured says so in "notes" and is decoded only at a version -assume gives or, where
// the connection used one API alone, at that API's version there, said in "notes" too.
// A summary goes to stderr.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kio-go/kafka-protocol/kio/kafkajson"
)

func main() {
	if len(os.Args) < 2 {
		usage(os.Stderr)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "decode":
		err = runDecode(os.Args[2:], os.Stdin, os.Stdout, os.Stderr)
	case "encode":
		err = runEncode(os.Args[2:], os.Stdin, os.Stdout)
	case "apis":
		err = runAPIs(os.Args[2:], os.Stdout)
	case "describe":
		err = runDescribe(os.Args[2:], os.Stdout)
	case "tap":
		err = runTap(os.Args[2:], os.Stdout, os.Stderr)
	case "help", "-h", "-help", "--help":
		usage(os.Stdout)
		return
	default:
		fmt.Fprintf(os.Stderr, "kio: unknown command %q\n", os.Args[1])
		usage(os.Stderr)
		os.Exit(2)
	}
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "kio:", err)
		}
		os.Exit(1)
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  kio decode [-port 9092[,9093...]] [-pretty] [-records] [-filter API,...] [-assume API[:VERSION]] [file]
  kio encode -api API -version V [-response] [-body] [-correlation N] [-client-id ID] [file]
  kio apis [-release RELEASE]
  kio describe API|MESSAGE VERSION [request|response]
  kio tap -listen ADDR -upstream ADDR [-pretty] [-records] [-filter API,...]
`)
}

// decodeFlags are the flags decode and tap share.
type decodeFlags struct {
	pretty, records bool
	filter, assume  string
}

func (d *decodeFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&d.pretty, "pretty", false, "indent the JSON")
	fs.BoolVar(&d.records, "records", false, "decode record batches and keep unknown tagged fields (kafkajson.Lossless) instead of Kafka's recordsSizeInBytes")
	fs.StringVar(&d.filter, "filter", "", "print only these APIs (comma-separated names, any case)")
	fs.StringVar(&d.assume, "assume", "", "API[:VERSION] of responses whose request was not captured")
}

func (d *decodeFlags) printer(stdout, stderr io.Writer) (*printer, error) {
	p := &printer{out: bufio.NewWriterSize(stdout, 64<<10), stderr: stderr, pretty: d.pretty}
	if d.records {
		p.body = kafkajson.Lossless
	}
	if d.filter != "" {
		p.filter = map[string]bool{}
		for _, name := range strings.Split(d.filter, ",") {
			api, ok := lookupAPI(strings.TrimSpace(name))
			if !ok {
				return nil, fmt.Errorf("-filter: no API %q", name)
			}
			p.filter[strings.ToLower(api.Name)] = true
		}
	}
	var err error
	p.assume, err = parseAssume(d.assume)
	return p, err
}

func runDecode(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("decode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.String("port", "9092", "the Kafka port of the capture's connections (several: comma-separated)")
	var df decodeFlags
	df.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	ports, err := parsePorts(*port)
	if err != nil {
		return err
	}
	in, name := stdin, "stdin"
	if fs.NArg() > 0 {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		in, name = f, fs.Arg(0)
	}
	p, err := df.printer(stdout, stderr)
	if err != nil {
		return err
	}
	br := bufio.NewReaderSize(in, 1<<20)
	head, _ := br.Peek(64)
	switch {
	case isCapture(head):
		stats, err := decodeCapture(br, p, ports)
		p.out.Flush()
		if stats != nil {
			fmt.Fprintf(stderr, "kio decode: %d packets, %d connections to port %s, %d frames (%d requests, %d responses, %d without their request, %d not decoded), %d bytes skipped to find frames; not Kafka: %d packets of other traffic, %d TLS directions, %d directions without a frame\n",
				stats.packets, stats.conns, *port, p.frames, p.requests, p.responses, p.unpaired, p.failed, p.skippedBytes, stats.otherPackets, stats.tlsHalves, stats.silentHalves)
		}
		return err
	case isHex(head):
		err = decodeHex(br, p, name)
	default:
		err = decodeRaw(br, p, name)
	}
	p.out.Flush()
	fmt.Fprintf(stderr, "kio decode: %d frames (%d requests, %d responses, %d without their request, %d not decoded)\n", p.frames, p.requests, p.responses, p.unpaired, p.failed)
	return err
}
