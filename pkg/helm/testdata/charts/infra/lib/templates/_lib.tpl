{{- define "lib.greeting" -}}from-infra-lib{{- end -}}
