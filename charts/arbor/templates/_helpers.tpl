{{/* Chart name. */}}
{{- define "arbor.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name prefix: RELEASE-arbor, or RELEASE when it already contains the chart name. Kept to
     40 characters so "<fullname>-venue-sim" and StatefulSet pod names stay within 63. */}}
{{- define "arbor.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* helm.sh/chart value. */}}
{{- define "arbor.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object. Call with (dict "ctx" $ "component" "feed"). */}}
{{- define "arbor.labels" -}}
{{ include "arbor.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | replace "+" "_" | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/part-of: arbor
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
helm.sh/chart: {{ include "arbor.chart" .ctx }}
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels: immutable, so never the chart or version. */}}
{{- define "arbor.selectorLabels" -}}
app.kubernetes.io/name: {{ include "arbor.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Name of a component's objects: (dict "ctx" $ "component" "feed"). */}}
{{- define "arbor.componentName" -}}
{{- printf "%s-%s" (include "arbor.fullname" .ctx) .component -}}
{{- end -}}

{{/* ServiceAccount name: (dict "ctx" $ "component" "feed" "values" .Values.feed). */}}
{{- define "arbor.serviceAccountName" -}}
{{- if .values.serviceAccount.create -}}
{{- default (include "arbor.componentName" .) .values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Container image: (dict "ctx" $ "values" .Values.feed). Component image fields override the
     global ones; a digest wins over a tag. */}}
{{- define "arbor.image" -}}
{{- $img := mergeOverwrite (deepCopy (omit .ctx.Values.image "pullPolicy")) (default dict .values.image) -}}
{{- $tag := default .ctx.Chart.AppVersion $img.tag -}}
{{- if $img.digest -}}
{{- printf "%s@%s" $img.repository $img.digest -}}
{{- else -}}
{{- printf "%s:%s" $img.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "arbor.imagePullPolicy" -}}
{{- $img := default dict .values.image -}}
{{- default .ctx.Values.image.pullPolicy $img.pullPolicy -}}
{{- end -}}

{{/* Pod-level fields shared by every component: (dict "ctx" $ "component" "feed" "values" .Values.feed). */}}
{{- define "arbor.podSpecCommon" -}}
serviceAccountName: {{ include "arbor.serviceAccountName" . }}
automountServiceAccountToken: {{ eq .component "operator" }}
enableServiceLinks: false
{{- with .ctx.Values.imagePullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
securityContext:
  {{- mergeOverwrite (deepCopy .ctx.Values.podSecurityContext) (default dict .values.podSecurityContext) | toYaml | nindent 2 }}
{{- with .values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Container securityContext: (dict "ctx" $ "values" .Values.feed). */}}
{{- define "arbor.containerSecurityContext" -}}
{{- mergeOverwrite (deepCopy .ctx.Values.securityContext) (default dict .values.securityContext) | toYaml -}}
{{- end -}}

{{/* Pod template metadata: (dict "ctx" $ "component" "feed" "values" .Values.feed "checksum" "..."). */}}
{{- define "arbor.podMetadata" -}}
labels:
  {{- include "arbor.labels" . | nindent 2 }}
  {{- with .values.podLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- if or .values.podAnnotations .checksum }}
annotations:
  {{- with .checksum }}
  checksum/config: {{ . }}
  {{- end }}
  {{- with .values.podAnnotations }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* Probes on an ops port. */}}
{{- define "arbor.probes" -}}
startupProbe:
  httpGet:
    path: /healthz
    port: ops
  periodSeconds: 5
  failureThreshold: 60
livenessProbe:
  httpGet:
    path: /healthz
    port: ops
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /readyz
    port: ops
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
{{- end -}}

{{/* Feed headless Service name. */}}
{{- define "arbor.feedHeadless" -}}
{{- printf "%s-headless" (include "arbor.componentName" (dict "ctx" . "component" "feed")) -}}
{{- end -}}

{{/* Comma list of the feed shards' stable addresses, in shard order:
     RELEASE-arbor-feed-K.RELEASE-arbor-feed-headless.NAMESPACE.svc:PORT */}}
{{- define "arbor.feedAddresses" -}}
{{- $feed := include "arbor.componentName" (dict "ctx" . "component" "feed") -}}
{{- $headless := include "arbor.feedHeadless" . -}}
{{- $out := list -}}
{{- range $i := until (int .Values.feed.shards) -}}
{{- $out = append $out (printf "%s-%d.%s.%s.svc:%d" $feed $i $headless $.Release.Namespace (int $.Values.feed.grpcPort)) -}}
{{- end -}}
{{- join "," $out -}}
{{- end -}}

{{/* Venue URLs: the value, else the simulator when enabled, else the public venue.
     (dict "ctx" $ "key" "clob"). */}}
{{- define "arbor.venueUrl" -}}
{{- $v := .ctx.Values.venues -}}
{{- $simHost := printf "%s.%s.svc" (include "arbor.componentName" (dict "ctx" .ctx "component" "venue-sim")) .ctx.Release.Namespace -}}
{{- $p := .ctx.Values.venueSim.ports -}}
{{- $sim := .ctx.Values.venueSim.enabled -}}
{{- if eq .key "clob" -}}
{{- $v.polymarket.clobUrl | default (ternary (printf "http://%s:%d" $simHost (int $p.clob)) "https://clob.polymarket.com" $sim) -}}
{{- else if eq .key "gamma" -}}
{{- $v.polymarket.gammaUrl | default (ternary (printf "http://%s:%d" $simHost (int $p.gamma)) "https://gamma-api.polymarket.com" $sim) -}}
{{- else if eq .key "marketWs" -}}
{{- $v.polymarket.marketWsUrl | default (ternary (printf "ws://%s:%d/ws/market" $simHost (int $p.clob)) "wss://ws-subscriptions-clob.polymarket.com/ws/market" $sim) -}}
{{- else if eq .key "userWs" -}}
{{- $v.polymarket.userWsUrl -}}
{{- else if eq .key "kalshiRest" -}}
{{- $v.kalshi.restUrl | default (ternary (printf "http://%s:%d/trade-api/v2" $simHost (int $p.kalshi)) "https://api.elections.kalshi.com/trade-api/v2" $sim) -}}
{{- else if eq .key "kalshiWs" -}}
{{- $v.kalshi.wsUrl | default (ternary (printf "ws://%s:%d/trade-api/ws/v2" $simHost (int $p.kalshi)) "wss://api.elections.kalshi.com/trade-api/ws/v2" $sim) -}}
{{- end -}}
{{- end -}}

{{/* Fail early on combinations the binaries would refuse at start. */}}
{{- define "arbor.validate" -}}
{{- if and (eq .Values.executor.mode "live") .Values.venueSim.enabled -}}
{{- fail "executor.mode=live with venueSim.enabled=true: the simulator is for paper and sim mode only" -}}
{{- end -}}
{{- if and (eq .Values.executor.mode "sim") (not .Values.venueSim.enabled) (not .Values.venues.polymarket.clobUrl) -}}
{{- fail "executor.mode=sim needs venueSim.enabled=true or explicit venues.* URLs of a simulator" -}}
{{- end -}}
{{- if and (has "kalshi" .Values.feed.venues) (not .Values.feed.kalshi.existingSecret) -}}
{{- fail "feed.venues includes kalshi: set feed.kalshi.existingSecret (the Kalshi key id and private key)" -}}
{{- end -}}
{{- if not .Values.executor.auth.existingSecret -}}
{{- fail "executor.auth.existingSecret is required: the executor's gRPC bearer token (also used by the operator)" -}}
{{- end -}}
{{- if and .Values.executor.tls.enabled (not .Values.executor.tls.existingSecret) -}}
{{- fail "executor.tls.enabled: set executor.tls.existingSecret" -}}
{{- end -}}
{{- if and (has "cross_venue" .Values.scanner.lanes) (not .Values.scanner.venueMapping.configMap) -}}
{{- fail "scanner.lanes includes cross_venue: set scanner.venueMapping.configMap (the Polymarket <-> Kalshi mapping)" -}}
{{- end -}}
{{- end -}}
