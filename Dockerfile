# One image for every doorsync role: the entrypoint's subcommand picks it
# (api, worker, migrate, temporal-setup, fake-salto).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/doorsync ./cmd/doorsync

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/doorsync /usr/local/bin/doorsync
USER nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/doorsync"]
CMD ["api"]
