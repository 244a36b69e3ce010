{{/* Building blocks of templates/networkpolicies.yaml. */}}
{{- define "arbor.np.peer" -}}
- podSelector:
    matchLabels:
      {{- include "arbor.selectorLabels" . | nindent 6 }}
{{- end -}}
{{- define "arbor.np.metrics" -}}
- from:
    - namespaceSelector:
        {{- toYaml .Values.networkPolicy.metrics.namespaceSelector | nindent 8 }}
      {{- with .Values.networkPolicy.metrics.podSelector }}
      podSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
  ports:
    - port: ops
      protocol: TCP
{{- end -}}
{{- define "arbor.np.dns" -}}
- to:
    - namespaceSelector:
        {{- toYaml .Values.networkPolicy.dns.namespaceSelector | nindent 8 }}
      {{- with .Values.networkPolicy.dns.podSelector }}
      podSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
  ports:
    {{- range .Values.networkPolicy.dns.ports }}
    - port: {{ . }}
      protocol: UDP
    - port: {{ . }}
      protocol: TCP
    {{- end }}
{{- end -}}
{{- define "arbor.np.venues" -}}
{{- if .Values.networkPolicy.venues.cidrs }}
- to:
    {{- range .Values.networkPolicy.venues.cidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  ports:
    {{- range .Values.networkPolicy.venues.ports }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
{{- end }}
{{- if .Values.venueSim.enabled }}
- to:
    {{- include "arbor.np.peer" (dict "ctx" . "component" "venue-sim") | nindent 4 }}
  ports:
    {{- range $port := list "clob" "gamma" "kalshi" }}
    - port: {{ index $.Values.venueSim.ports $port }}
      protocol: TCP
    {{- end }}
{{- end }}
{{- end -}}
{{- define "arbor.np.feeds" -}}
- to:
    {{- include "arbor.np.peer" (dict "ctx" . "component" "feed") | nindent 4 }}
  ports:
    - port: {{ .Values.feed.grpcPort }}
      protocol: TCP
{{- end -}}
