# syntax=docker/dockerfile:1
# One image with the five binaries of the operator and the openstack-helm
# charts. Build with `docker buildx bake` (docker-bake.hcl passes the charts
# as the named context "charts").

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/root/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/root/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X rockoon.dev/rockoon/pkg/version.Version=${VERSION}" \
      -o /out/ ./cmd/...

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ /usr/local/bin/
COPY --from=charts / /opt/rockoon/charts/
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/osdpl"]
