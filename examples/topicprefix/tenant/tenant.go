// Package tenant gives a Kafka client a namespace of its own on a shared cluster: as
// proxy filters, it puts a prefix in front of every topic and group name the client
// sends and takes it off every name the cluster answers with, and hides what lies
// outside the prefix. Tenant "a" sees topic "x"; the cluster holds "a.x".
//
// Covered: Produce, Fetch, Metadata, ListOffsets, CreateTopics, DeleteTopics,
// DescribeConfigs (topic resources), and the consumer-group flow (FindCoordinator,
// JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch,
// ConsumerGroupHeartbeat, DescribeGroups, ListGroups, DeleteGroups). Topic ids need no
// rewriting: a tenant only learns the ids of its own topics, from Metadata. A real
// deployment would also refuse every API not covered here (ACLs, transactions, quotas);
// this example relays them unchanged.
package tenant

import (
	"regexp"
	"slices"
	"strings"

	"github.com/kio-go/kafka-protocol/kio/proxy"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/consumergroupheartbeat"
	"github.com/kio-go/kafka-protocol/kio/schema/createtopics"
	"github.com/kio-go/kafka-protocol/kio/schema/deletegroups"
	"github.com/kio-go/kafka-protocol/kio/schema/deletetopics"
	"github.com/kio-go/kafka-protocol/kio/schema/describeconfigs"
	"github.com/kio-go/kafka-protocol/kio/schema/describegroups"
	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/schema/findcoordinator"
	"github.com/kio-go/kafka-protocol/kio/schema/heartbeat"
	"github.com/kio-go/kafka-protocol/kio/schema/joingroup"
	"github.com/kio-go/kafka-protocol/kio/schema/leavegroup"
	"github.com/kio-go/kafka-protocol/kio/schema/listgroups"
	"github.com/kio-go/kafka-protocol/kio/schema/listoffsets"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/offsetcommit"
	"github.com/kio-go/kafka-protocol/kio/schema/offsetfetch"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/schema/syncgroup"
)

// topicResource is DescribeConfigs' resource type of a topic.
const topicResource = 2

// groupKey is FindCoordinator's key type of a consumer group.
const groupKey = 0

// Install registers on f the filters that confine a client to names starting with
// prefix (such as "a."), shown to it without the prefix.
func Install(f *proxy.Filters, prefix string) {
	n := names{prefix}

	proxy.OnRequest(f, func(c *proxy.Call, r *metadata.MetadataRequest) proxy.Verdict {
		for i := range r.Topics {
			if r.Topics[i].Name != nil {
				t := n.topic(*r.Topics[i].Name)
				r.Topics[i].Name = &t
			}
		}
		return proxy.Modified
	})
	proxy.OnResponse(f, func(c *proxy.Call, r *metadata.MetadataResponse) proxy.Verdict {
		r.Topics = slices.DeleteFunc(r.Topics, func(t metadata.MetadataResponseTopic) bool {
			return t.Name != nil && !n.ownsTopic(*t.Name)
		})
		for i := range r.Topics {
			if r.Topics[i].Name != nil {
				t := n.untopic(*r.Topics[i].Name)
				r.Topics[i].Name = &t
			}
		}
		return proxy.Modified
	})

	proxy.OnRequest(f, func(c *proxy.Call, r *produce.ProduceRequest) proxy.Verdict {
		for i := range r.TopicData {
			r.TopicData[i].Name = n.topic(r.TopicData[i].Name)
		}
		return modifiedIf(c.Version < 13)
	})
	proxy.OnResponse(f, func(c *proxy.Call, r *produce.ProduceResponse) proxy.Verdict {
		for i := range r.Responses {
			r.Responses[i].Name = n.untopic(r.Responses[i].Name)
		}
		return modifiedIf(c.Version < 13)
	})

	proxy.OnRequest(f, func(c *proxy.Call, r *fetch.FetchRequest) proxy.Verdict {
		for i := range r.Topics {
			r.Topics[i].Topic = n.topic(r.Topics[i].Topic)
		}
		for i := range r.ForgottenTopicsData {
			r.ForgottenTopicsData[i].Topic = n.topic(r.ForgottenTopicsData[i].Topic)
		}
		return modifiedIf(c.Version < 13)
	})
	proxy.OnResponse(f, func(c *proxy.Call, r *fetch.FetchResponse) proxy.Verdict {
		for i := range r.Responses {
			r.Responses[i].Topic = n.untopic(r.Responses[i].Topic)
		}
		return modifiedIf(c.Version < 13)
	})

	proxy.OnRequest(f, func(c *proxy.Call, r *listoffsets.ListOffsetsRequest) proxy.Verdict {
		for i := range r.Topics {
			r.Topics[i].Name = n.topic(r.Topics[i].Name)
		}
		return proxy.Modified
	})
	proxy.OnResponse(f, func(c *proxy.Call, r *listoffsets.ListOffsetsResponse) proxy.Verdict {
		for i := range r.Topics {
			r.Topics[i].Name = n.untopic(r.Topics[i].Name)
		}
		return proxy.Modified
	})

	proxy.OnRequest(f, func(c *proxy.Call, r *createtopics.CreateTopicsRequest) proxy.Verdict {
		for i := range r.Topics {
			r.Topics[i].Name = n.topic(r.Topics[i].Name)
		}
		return proxy.Modified
	})
	proxy.OnResponse(f, func(c *proxy.Call, r *createtopics.CreateTopicsResponse) proxy.Verdict {
		for i := range r.Topics {
			r.Topics[i].Name = n.untopic(r.Topics[i].Name)
		}
		return proxy.Modified
	})

	proxy.OnRequest(f, func(c *proxy.Call, r *deletetopics.DeleteTopicsRequest) proxy.Verdict {
		for i := range r.TopicNames {
			r.TopicNames[i] = n.topic(r.TopicNames[i])
		}
		for i := range r.Topics {
			if r.Topics[i].Name != nil {
				t := n.topic(*r.Topics[i].Name)
				r.Topics[i].Name = &t
			}
		}
		return proxy.Modified
	})
	proxy.OnResponse(f, func(c *proxy.Call, r *deletetopics.DeleteTopicsResponse) proxy.Verdict {
		for i := range r.Responses {
			if r.Responses[i].Name != nil {
				t := n.untopic(*r.Responses[i].Name)
				r.Responses[i].Name = &t
			}
		}
		return proxy.Modified
	})

	proxy.OnRequest(f, func(c *proxy.Call, r *describeconfigs.DescribeConfigsRequest) proxy.Verdict {
		for i := range r.Resources {
			if r.Resources[i].ResourceType == topicResource {
				r.Resources[i].ResourceName = n.prefix + r.Resources[i].ResourceName
			}
		}
		return proxy.Modified
	})
	proxy.OnResponse(f, func(c *proxy.Call, r *describeconfigs.DescribeConfigsResponse) proxy.Verdict {
		for i := range r.Results {
			if r.Results[i].ResourceType == topicResource {
				r.Results[i].ResourceName = strings.TrimPrefix(r.Results[i].ResourceName, n.prefix)
			}
		}
		return proxy.Modified
	})

	installGroups(f, n)
}

// installGroups confines consumer groups to the prefix.
func installGroups(f *proxy.Filters, n names) {
	proxy.OnRequest(f, func(c *proxy.Call, r *findcoordinator.FindCoordinatorRequest) proxy.Verdict {
		if r.KeyType != groupKey {
			return proxy.Pass
		}
		if r.Key != "" { // one key until v3, a batch from v4
			r.Key = n.prefix + r.Key
		}
		for i := range r.CoordinatorKeys {
			r.CoordinatorKeys[i] = n.prefix + r.CoordinatorKeys[i]
		}
		return proxy.Modified
	})
	proxy.OnResponse(f, func(c *proxy.Call, r *findcoordinator.FindCoordinatorResponse) proxy.Verdict {
		if req, ok := c.Request.(*findcoordinator.FindCoordinatorRequest); !ok || req.KeyType != groupKey {
			return proxy.Pass
		}
		for i := range r.Coordinators {
			r.Coordinators[i].Key = strings.TrimPrefix(r.Coordinators[i].Key, n.prefix)
		}
		return proxy.Modified
	})
	proxy.OnRequest(f, func(c *proxy.Call, r *joingroup.JoinGroupRequest) proxy.Verdict {
		r.GroupId = n.group(r.GroupId)
		return proxy.Modified
	})
	proxy.OnRequest(f, func(c *proxy.Call, r *syncgroup.SyncGroupRequest) proxy.Verdict {
		r.GroupId = n.group(r.GroupId)
		return proxy.Modified
	})
	proxy.OnRequest(f, func(c *proxy.Call, r *heartbeat.HeartbeatRequest) proxy.Verdict {
		r.GroupId = n.group(r.GroupId)
		return proxy.Modified
	})
	proxy.OnRequest(f, func(c *proxy.Call, r *leavegroup.LeaveGroupRequest) proxy.Verdict {
		r.GroupId = n.group(r.GroupId)
		return proxy.Modified
	})
	proxy.OnRequest(f, func(c *proxy.Call, r *consumergroupheartbeat.ConsumerGroupHeartbeatRequest) proxy.Verdict {
		r.GroupId = n.group(r.GroupId)
		for i := range r.SubscribedTopicNames {
			r.SubscribedTopicNames[i] = n.topic(r.SubscribedTopicNames[i])
		}
		if r.SubscribedTopicRegex != nil && *r.SubscribedTopicRegex != "" {
			// The broker matches whole names (RE2/J): anchor the tenant's pattern behind its prefix.
			re := regexp.QuoteMeta(n.prefix) + "(?:" + *r.SubscribedTopicRegex + ")"
			r.SubscribedTopicRegex = &re
		}
		return proxy.Modified
	})
	proxy.OnRequest(f, func(c *proxy.Call, r *offsetcommit.OffsetCommitRequest) proxy.Verdict {
		r.GroupId = n.group(r.GroupId)
		for i := range r.Topics {
			r.Topics[i].Name = n.topic(r.Topics[i].Name)
		}
		return proxy.Modified
	})
	proxy.OnResponse(f, func(c *proxy.Call, r *offsetcommit.OffsetCommitResponse) proxy.Verdict {
		for i := range r.Topics {
			r.Topics[i].Name = n.untopic(r.Topics[i].Name)
		}
		return proxy.Modified
	})
	proxy.OnRequest(f, func(c *proxy.Call, r *offsetfetch.OffsetFetchRequest) proxy.Verdict {
		r.GroupId = n.group(r.GroupId)
		for i := range r.Topics {
			r.Topics[i].Name = n.topic(r.Topics[i].Name)
		}
		for i := range r.Groups {
			g := &r.Groups[i]
			g.GroupId = n.group(g.GroupId)
			for j := range g.Topics {
				g.Topics[j].Name = n.topic(g.Topics[j].Name)
			}
		}
		return proxy.Modified
	})
	proxy.OnResponse(f, func(c *proxy.Call, r *offsetfetch.OffsetFetchResponse) proxy.Verdict {
		r.Topics = slices.DeleteFunc(r.Topics, func(t offsetfetch.OffsetFetchResponseTopic) bool { return !n.ownsTopic(t.Name) })
		for i := range r.Topics {
			r.Topics[i].Name = n.untopic(r.Topics[i].Name)
		}
		for i := range r.Groups {
			g := &r.Groups[i]
			g.GroupId = n.ungroup(g.GroupId)
			g.Topics = slices.DeleteFunc(g.Topics, func(t offsetfetch.OffsetFetchResponseTopics) bool {
				return t.Name != "" && !n.ownsTopic(t.Name)
			})
			for j := range g.Topics {
				g.Topics[j].Name = n.untopic(g.Topics[j].Name)
			}
		}
		return proxy.Modified
	})
	proxy.OnRequest(f, func(c *proxy.Call, r *describegroups.DescribeGroupsRequest) proxy.Verdict {
		for i := range r.Groups {
			r.Groups[i] = n.group(r.Groups[i])
		}
		return proxy.Modified
	})
	proxy.OnResponse(f, func(c *proxy.Call, r *describegroups.DescribeGroupsResponse) proxy.Verdict {
		for i := range r.Groups {
			r.Groups[i].GroupId = n.ungroup(r.Groups[i].GroupId)
		}
		return proxy.Modified
	})
	proxy.OnResponse(f, func(c *proxy.Call, r *listgroups.ListGroupsResponse) proxy.Verdict {
		r.Groups = slices.DeleteFunc(r.Groups, func(g listgroups.ListedGroup) bool {
			return !strings.HasPrefix(string(g.GroupId), n.prefix)
		})
		for i := range r.Groups {
			r.Groups[i].GroupId = n.ungroup(r.Groups[i].GroupId)
		}
		return proxy.Modified
	})
	proxy.OnRequest(f, func(c *proxy.Call, r *deletegroups.DeleteGroupsRequest) proxy.Verdict {
		for i := range r.GroupsNames {
			r.GroupsNames[i] = n.group(r.GroupsNames[i])
		}
		return proxy.Modified
	})
	proxy.OnResponse(f, func(c *proxy.Call, r *deletegroups.DeleteGroupsResponse) proxy.Verdict {
		for i := range r.Results {
			r.Results[i].GroupId = n.ungroup(r.Results[i].GroupId)
		}
		return proxy.Modified
	})
}

// names adds and removes one tenant's prefix.
type names struct{ prefix string }

// topic prefixes a topic name. An empty name is left empty: it is a field the version
// does not have (topics named by id from Produce v13, Fetch v13, OffsetCommit v10...),
// which must stay at its default to be encoded.
func (n names) topic(t common.TopicName) common.TopicName {
	if t == "" {
		return t
	}
	return common.TopicName(n.prefix) + t
}

func (n names) ownsTopic(t common.TopicName) bool { return strings.HasPrefix(string(t), n.prefix) }

func (n names) untopic(t common.TopicName) common.TopicName {
	return common.TopicName(strings.TrimPrefix(string(t), n.prefix))
}

// group prefixes a group id; an empty one is a field the version does not have
// (OffsetFetch v8+ names its groups in a list).
func (n names) group(g common.GroupId) common.GroupId {
	if g == "" {
		return g
	}
	return common.GroupId(n.prefix) + g
}

func (n names) ungroup(g common.GroupId) common.GroupId {
	return common.GroupId(strings.TrimPrefix(string(g), n.prefix))
}

func modifiedIf(b bool) proxy.Verdict {
	if b {
		return proxy.Modified
	}
	return proxy.Pass
}
