package credentials

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// RabbitMQExternalCerts is the certificate pack of the external RabbitMQ
// endpoint of external notifications: the server certificate the
// messaging release serves and the client certificate the secrets
// binary publishes to the topics' consumers.
const RabbitMQExternalCerts = "rabbitmq-external-certs"

var (
	topicName    = regexp.MustCompile(`^[a-z0-9-.]*$`)
	notTopicChar = regexp.MustCompile(`[^a-z0-9-.]`)
)

// NormalizeTopic is an external notification topic made fit for a Secret
// name, as the original: kept when it matches ^[a-z0-9-.]*$, otherwise
// lowercased, the other characters dropped, and "-" and the first 5 hex
// digits of the lowercased topic's sha256 appended.
func NormalizeTopic(topic string) string {
	if topicName.MatchString(topic) {
		return topic
	}
	low := strings.ToLower(topic)
	sum := sha256.Sum256([]byte(low))
	return notTopicChar.ReplaceAllString(low, "") + "-" + hex.EncodeToString(sum[:])[:5]
}

// NotificationsSecretName is the Secret of an external notification
// topic's RabbitMQ user: generated-notifications-<norm(topic)>-passwords.
func NotificationsSecretName(topic string) string {
	return "generated-notifications-" + NormalizeTopic(topic) + "-passwords"
}

// NotificationsPasswords is the RabbitMQ user of an external
// notification topic (username and password, generated once), which the
// messaging release creates as <topic>_external_notifications. The
// reference gives no username format: ours is "notify" and 10 random
// characters (16, as the other generated names), so that two topics'
// users do not collide.
func NotificationsPasswords(topic string) Spec {
	return Spec{Name: NotificationsSecretName(topic), Fields: []Field{
		{Key: "username", Generate: func() any { return Name("notify", 16) }},
		{Key: "password", Generate: func() any { return Password(32) }},
	}}
}
