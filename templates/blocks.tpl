{{- /*
Named blocks shared by the service templates: `include "<name>" <data>`
renders one to a string (then `| nindent N` places it, `| fromYaml` makes
it data again). Each block's data is a dict with the keys listed.
*/ -}}

{{- /* public_tls: the public endpoints' TLS as {ca, crt, key} (each
   trimmed, one trailing newline) when features.ssl.public_endpoints has
   an api_cert, else {}. Data: the public_endpoints map. */ -}}
{{- define "public_tls" -}}
{{- if index . "api_cert" -}}
{{- dict "ca" (printf "%s\n" (trim (index . "ca_cert" | default ""))) "crt" (printf "%s\n" (trim .api_cert)) "key" (printf "%s\n" (trim (index . "api_key" | default ""))) | toJson -}}
{{- else -}}
{}
{{- end -}}
{{- end -}}

{{- /* identity_auth: endpoints.identity.auth's admin (the cloud admin's
   credentials and spec.features.keystone.users.admin) and the service's
   own Keystone accounts. Data: admin (admin credentials), spec
   (features.keystone.users.admin), active (the active credentials),
   region. */ -}}
{{- define "identity_auth" -}}
admin:
  username: {{ dig "identity" "username" "" .admin | quote }}
  password: {{ dig "identity" "password" "" .admin | quote }}
  region_name: {{ .region | quote }}
  project_name: {{ dig "project_name" "admin" .spec | quote }}
  user_domain_name: {{ dig "user_domain_name" "default" .spec | quote }}
  project_domain_name: {{ dig "project_domain_name" "default" .spec | quote }}
  default_domain_id: {{ dig "default_domain_id" "default" .spec | quote }}
{{- range $account, $up := (dig "identity" dict .active) }}
{{ $account }}:
  username: {{ $up.username | quote }}
  password: {{ $up.password | quote }}
  region_name: {{ $.region | quote }}
{{- end }}
{{- end -}}

{{- /* policy_d: conf.policy.d, the controller's default rules then the
   user's features.policies.<chart>. Data: default (service_policy),
   spec, chart. */ -}}
{{- define "policy_d" -}}
policy.d:
  01-controller-default.yaml:
    {{- .default | default dict | toYaml | nindent 4 }}
  02-custom.yaml:
    {{- dig "features" "policies" .chart dict .spec | toYaml | nindent 4 }}
{{- end -}}

{{- /* db_auth: endpoints.oslo_db.auth, the database root and the
   service's user. Data: admin, active, user (its key). */ -}}
{{- define "db_auth" -}}
admin:
  username: {{ dig "database" "username" "" .admin | quote }}
  password: {{ dig "database" "password" "" .admin | quote }}
{{ .user }}:
  username: {{ dig "database" "user" "username" "" .active | quote }}
  password: {{ dig "database" "user" "password" "" .active | quote }}
{{- end -}}

{{- /* messaging_auth: endpoints.oslo_messaging.auth, the RabbitMQ admin,
   guest, the service's user and the admin again as "user". Data: admin,
   active, guest (guest credentials), user (its key). */ -}}
{{- define "messaging_auth" -}}
admin:
  username: {{ dig "messaging" "username" "" .admin | quote }}
  password: {{ dig "messaging" "password" "" .admin | quote }}
guest:
  username: guest
  password: {{ dig "password" "" .guest | quote }}
{{ .user }}:
  username: {{ dig "messaging" "user" "username" "" .active | quote }}
  password: {{ dig "messaging" "user" "password" "" .active | quote }}
user:
  username: {{ dig "messaging" "username" "" .admin | quote }}
  password: {{ dig "messaging" "password" "" .admin | quote }}
{{- end -}}

{{- /* notification_topics: oslo_messaging_notifications.topics of a
   service that sends notifications: notifications, StackLight's
   stacklight_notifications with features.stacklight.enabled, and every
   topic of features.messaging.notifications.external.topics when
   external notifications are enabled (the consumers of those topics read
   them through the messaging release's <topic>_external_notifications
   users). Data: the spec. */ -}}
{{- define "notification_topics" -}}
{{- $topics := list "notifications" -}}
{{- if dig "features" "stacklight" "enabled" false . -}}
{{- $topics = append $topics "stacklight_notifications" -}}
{{- end -}}
{{- $external := dig "features" "messaging" "notifications" "external" dict . -}}
{{- if dig "enabled" false $external -}}
{{- range $topic := dig "topics" list $external -}}
{{- if and $topic (not (has $topic $topics)) }}{{ $topics = append $topics $topic }}{{ end -}}
{{- end -}}
{{- end -}}
{{- join "," $topics -}}
{{- end -}}
