{{- define "vendored.greeting" -}}from-the-infra-directory{{- end -}}
