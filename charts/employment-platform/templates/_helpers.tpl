{{/*
Shared helpers. Every template ranges over .Values.services and works on one service at a
time; helpers take a dict: root (the chart's top-level context), name (the service's key in
.Values.services) and svc (its values merged over .Values.serviceDefaults, see ep.merge).
*/}}

{{/* The port every service listens on (HTTP_PORT). Fixed by the platform. */}}
{{- define "ep.httpPort" -}}8080{{- end }}

{{/*
ep.merge: a service's values deep-merged over serviceDefaults, as JSON (templates can only
return strings). mustMergeOverwrite lets a service set false, 0, "" or [] over a default.
*/}}
{{- define "ep.merge" -}}
{{- $raw := get .root.Values.services .name | default dict -}}
{{- mustMergeOverwrite (deepCopy .root.Values.serviceDefaults) (deepCopy $raw) | toJson -}}
{{- end }}

{{/* Object name: <release>-<service>, short enough for the "-migrate" suffix. */}}
{{- define "ep.fullname" -}}
{{- printf "%s-%s" .root.Release.Name .name | trunc 55 | trimSuffix "-" -}}
{{- end }}

{{- define "ep.imageTag" -}}
{{- .svc.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- end }}

{{- define "ep.image" -}}
{{- $repository := .svc.image.repository | default (printf "%s/%s" .root.Values.image.registry .name) -}}
{{- if .svc.image.digest -}}
{{- printf "%s@%s" $repository .svc.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository (include "ep.imageTag" .) -}}
{{- end -}}
{{- end }}

{{/* Labels that select a service's pods (Deployment and migrate Job alike). */}}
{{- define "ep.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{/* Labels of the serving pods only (the Deployment's selector, Service, ServiceMonitor). */}}
{{- define "ep.serverSelectorLabels" -}}
{{ include "ep.selectorLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{/* The recommended labels; pass component ("server" or "migrate"). */}}
{{- define "ep.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "ep.selectorLabels" . }}
app.kubernetes.io/component: {{ .component | default "server" }}
app.kubernetes.io/version: {{ include "ep.imageTag" . | replace "+" "_" | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/part-of: employment-platform
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
ep.config: the plain settings of a service, as a YAML map of strings. It is the ConfigMap's
data, the migrate Job's env and the input of the checksum that rolls the pods on a change.
*/}}
{{- define "ep.config" -}}
{{- $c := .root.Values.config -}}
{{- $s := .root.Values.secrets -}}
{{- $data := dict
  "SERVICE_NAME" .name
  "HTTP_PORT" (include "ep.httpPort" .)
  "LOG_LEVEL" (.svc.logLevel | default $c.logLevel)
  "MONGODB_DATABASE" (.svc.mongodbDatabase | default .name)
  "KAFKA_CLIENT_ID" .name
  "KAFKA_SSL" (toString $c.kafka.ssl)
  "KAFKA_SASL_MECHANISM" $c.kafka.saslMechanism
  "KAFKA_TOPIC_PARTITIONS" (toString (int $c.kafka.topicPartitions))
  "KAFKA_TOPIC_REPLICATION_FACTOR" (toString (int $c.kafka.topicReplicationFactor))
  "KAFKA_CREATE_TOPICS" "false"
  "AUTH_ISSUER" $c.auth.issuer
  "AUTH_AUDIENCE" $c.auth.audience
  "AUTH_MAX_TOKEN_LIFETIME_SECONDS" (toString (int $c.auth.maxTokenLifetimeSeconds))
  "AUTH_CLOCK_TOLERANCE_SECONDS" (toString (int $c.auth.clockToleranceSeconds))
  "RATE_LIMIT_PER_MINUTE" (toString (int $c.rateLimitPerMinute))
  "RATE_LIMIT_CLIENT_QUOTAS" (toJson ($c.rateLimitClientQuotas | default dict))
  "RATE_LIMIT_PER_ADDRESS_PER_MINUTE" (toString (int $c.rateLimitPerAddressPerMinute))
  "REDIS_COMMAND_TIMEOUT_MS" (toString (int $c.redisCommandTimeoutMs))
  "SHUTDOWN_DELAY_MS" (toString (int $c.shutdownDelayMs))
  "SHUTDOWN_TIMEOUT_MS" (toString (int $c.shutdownTimeoutMs))
-}}
{{- if not $s.kafkaBrokers.name }}{{ $_ := set $data "KAFKA_BROKERS" $c.kafka.brokers }}{{ end -}}
{{- if and (ne $c.kafka.saslMechanism "none") (not $s.kafkaSaslUsername.name) }}{{ $_ := set $data "KAFKA_SASL_USERNAME" $c.kafka.saslUsername }}{{ end -}}
{{- if not (include "ep.jwksRef" .) }}{{ $_ := set $data "AUTH_JWKS_URL" $c.auth.jwksUrl }}{{ end -}}
{{- if $c.otlpEndpoint }}{{ $_ := set $data "OTEL_EXPORTER_OTLP_ENDPOINT" $c.otlpEndpoint }}{{ end -}}
{{- with $c.trustedProxies }}{{ $_ := set $data "HTTP_TRUSTED_PROXIES" (join "," .) }}{{ end -}}
{{- range $k, $v := .svc.env }}{{ $_ := set $data $k (toString $v) }}{{ end -}}
{{- toYaml $data -}}
{{- end }}

{{/*
ep.jwksRef: "true" when AUTH_JWKS_URL comes from a Secret or ConfigMap (config.auth.jwksUrlFrom
names one), else empty.
*/}}
{{- define "ep.jwksRef" -}}
{{- with .root.Values.config.auth.jwksUrlFrom }}{{ if .name }}true{{ end }}{{ end -}}
{{- end }}

{{/*
ep.secretEnv: the env entries read from Secrets (and AUTH_JWKS_URL from a ConfigMap, when
config.auth.jwksUrlFrom says so), as a YAML list (sorted by name). Shared references first,
then the service's secretEnv, which may replace a shared one by name.
*/}}
{{- define "ep.secretEnv" -}}
{{- $s := .root.Values.secrets -}}
{{- $refs := dict "MONGODB_URL" $s.mongodbUrl "REDIS_URL" $s.redisUrl -}}
{{- if include "ep.jwksRef" . }}{{ $_ := set $refs "AUTH_JWKS_URL" .root.Values.config.auth.jwksUrlFrom }}{{ end -}}
{{- if $s.kafkaBrokers.name }}{{ $_ := set $refs "KAFKA_BROKERS" $s.kafkaBrokers }}{{ end -}}
{{- if ne .root.Values.config.kafka.saslMechanism "none" -}}
{{- if $s.kafkaSaslUsername.name }}{{ $_ := set $refs "KAFKA_SASL_USERNAME" $s.kafkaSaslUsername }}{{ end -}}
{{- $_ := set $refs "KAFKA_SASL_PASSWORD" $s.kafkaSaslPassword -}}
{{- end -}}
{{- range .svc.secretEnv }}{{ $_ := set $refs .name (dict "name" .secretName "key" .key) }}{{ end -}}
{{- range $env := keys $refs | sortAlpha }}
{{- $ref := get $refs $env }}
- name: {{ $env }}
  valueFrom:
    {{ ternary "configMapKeyRef" "secretKeyRef" (eq ($ref.kind | default "Secret") "ConfigMap") }}:
      name: {{ $ref.name | quote }}
      key: {{ $ref.key | quote }}
{{- end }}
{{- end }}

{{/* ep.validate: refuse settings that would render a broken or unsafe service. */}}
{{- define "ep.validate" -}}
{{- $c := .root.Values.config -}}
{{- $s := .root.Values.secrets -}}
{{- if not $s.mongodbUrl.name }}{{ fail "secrets.mongodbUrl.name is required: the Secret holding MONGODB_URL" }}{{ end -}}
{{- if not $s.redisUrl.name }}{{ fail "secrets.redisUrl.name is required: the Secret holding REDIS_URL" }}{{ end -}}
{{- if and (not $s.kafkaBrokers.name) (not $c.kafka.brokers) }}{{ fail "set config.kafka.brokers or secrets.kafkaBrokers.name" }}{{ end -}}
{{- if ne $c.kafka.saslMechanism "none" -}}
{{- if not $s.kafkaSaslPassword.name }}{{ fail (printf "config.kafka.saslMechanism is %s: secrets.kafkaSaslPassword.name is required" $c.kafka.saslMechanism) }}{{ end -}}
{{- if and (not $s.kafkaSaslUsername.name) (not $c.kafka.saslUsername) }}{{ fail "SASL is on: set config.kafka.saslUsername or secrets.kafkaSaslUsername.name" }}{{ end -}}
{{- end -}}
{{- $jwksRef := include "ep.jwksRef" . -}}
{{- if and $c.auth.jwksUrl $jwksRef }}{{ fail "set config.auth.jwksUrl or config.auth.jwksUrlFrom.name, not both" }}{{ end -}}
{{- if or (not (or $c.auth.jwksUrl $jwksRef)) (not $c.auth.issuer) }}{{ fail "config.auth.jwksUrl (or config.auth.jwksUrlFrom) and config.auth.issuer are required" }}{{ end -}}
{{- $graceMs := mul (int .svc.terminationGracePeriodSeconds) 1000 -}}
{{- $needMs := add (int $c.shutdownDelayMs) (int $c.shutdownTimeoutMs) -}}
{{- if le $graceMs $needMs -}}
{{- fail (printf "services.%s.terminationGracePeriodSeconds (%ds) must exceed config.shutdownDelayMs + config.shutdownTimeoutMs (%dms), or Kubernetes kills the pod mid-drain" .name (int .svc.terminationGracePeriodSeconds) $needMs) -}}
{{- end -}}
{{- range .svc.networkPolicy.calls -}}
{{- if not (hasKey $.root.Values.services .) }}{{ fail (printf "services.%s.networkPolicy.calls names %q, which is not in services" $.name .) }}{{ end -}}
{{- end -}}
{{- if and .svc.ingress.enabled (not $c.trustedProxies) -}}
{{- fail (printf "services.%s.ingress is enabled but config.trustedProxies is empty: every caller through the ingress would share its address budget (set the ingress controller's addresses, docs/security.md)" .name) -}}
{{- end -}}
{{- $groups := list -}}
{{- range .svc.kafka.consumerGroups -}}
{{- if has .name $groups }}{{ fail (printf "services.%s.kafka.consumerGroups lists %q twice" $.name .name) }}{{ end -}}
{{- $groups = append $groups .name -}}
{{- end -}}
{{- if and .svc.keda.enabled (not .svc.kafka.consumerGroups) (not .svc.keda.cpuUtilization) }}{{ fail (printf "services.%s.keda is enabled but has nothing to scale on: no kafka.consumerGroups and keda.cpuUtilization 0" .name) }}{{ end -}}
{{- if and .svc.keda.enabled (gt (int .svc.keda.minReplicas) (int .svc.keda.maxReplicas)) }}{{ fail (printf "services.%s.keda.minReplicas exceeds maxReplicas" .name) }}{{ end -}}
{{- if and .svc.autoscaling.enabled (gt (int .svc.autoscaling.minReplicas) (int .svc.autoscaling.maxReplicas)) }}{{ fail (printf "services.%s.autoscaling.minReplicas exceeds maxReplicas" .name) }}{{ end -}}
{{- end }}

{{/* Hardening shared by the Deployment and the migrate Job. */}}
{{- define "ep.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "ep.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Pod placement shared by the Deployment and the migrate Job. */}}
{{- define "ep.scheduling" -}}
{{- with .svc.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .svc.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .svc.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- end }}

{{/*
ep.peers: a NetworkPolicy peer list from { cidrs, namespaceLabels, podLabels }. Empty when the
peer names nothing.
*/}}
{{- define "ep.peers" -}}
{{- $peers := list -}}
{{- range .cidrs }}{{ $peers = append $peers (dict "ipBlock" (dict "cidr" .)) }}{{ end -}}
{{- if or .namespaceLabels .podLabels -}}
{{- $peer := dict -}}
{{- with .namespaceLabels }}{{ $_ := set $peer "namespaceSelector" (dict "matchLabels" .) }}{{ end -}}
{{- with .podLabels }}{{ $_ := set $peer "podSelector" (dict "matchLabels" .) }}{{ end -}}
{{- $peers = append $peers $peer -}}
{{- end -}}
{{- with $peers }}{{ toYaml . }}{{ end -}}
{{- end }}
