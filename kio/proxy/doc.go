// Package proxy is a Kafka proxy toolkit (doc in progress).
package proxy
