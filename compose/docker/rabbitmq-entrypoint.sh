#!/bin/sh
# Renders the broker config from the environment, then runs the image's own entrypoint.
set -eu
mkdir -p /etc/rabbitmq/conf.d
sed -e "s|@BROKER_AUTH_SECRET@|${BROKER_AUTH_SECRET}|g" \
  -e "s|@BROKER_AUTH_PORT@|${BROKER_AUTH_PORT:-8081}|g" \
  /etc/energy/rabbitmq.conf.tmpl > /etc/rabbitmq/conf.d/20-energy.conf
exec docker-entrypoint.sh rabbitmq-server
