package health

import "strings"

// Identify maps a workload to its (application, component), as the
// original does: the application and component labels, each falling back
// to the name; the component is then the part of the name after the first
// "<application>-" (the whole name when it has none). RabbitMQ servers of
// a service (application rabbitmq, component server, named
// <prefix>-<service>-rabbitmq...) belong to that service as component
// rabbitmq; the shared one (openstack-rabbitmq-...) keeps its labels.
func Identify(name string, labels map[string]string) (application, component string) {
	application, component = labels["application"], labels["component"]
	if application == "" {
		application = name
	}
	if component == "" {
		component = name
	}
	if application == "rabbitmq" && component == "server" {
		parts := strings.Split(name, "-")
		if len(parts) > 1 && parts[1] != "rabbitmq" {
			return parts[1], "rabbitmq"
		}
		return application, component
	}
	if _, after, ok := strings.Cut(name, application+"-"); ok {
		return application, after
	}
	return application, name
}
