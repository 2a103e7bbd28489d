#!/bin/sh
# A node of docker-compose.cluster.yml's RabbitMQ cluster. The single node's
# config (rabbitmq.conf.tmpl) first, then this node's own ports (a later
# conf.d file wins), the peers to join (classic config), balanced quorum
# leaders, the cluster's own Erlang cookie, and no scheduler busy-waiting.
set -eu
mkdir -p /etc/rabbitmq/conf.d
sed -e "s|@BROKER_AUTH_SECRET@|${BROKER_AUTH_SECRET}|g" \
  -e "s|@BROKER_AUTH_PORT@|${BROKER_AUTH_PORT:-8081}|g" \
  /etc/energy/rabbitmq.conf.tmpl > /etc/rabbitmq/conf.d/20-energy.conf
cat > /etc/rabbitmq/conf.d/30-cluster-node.conf <<CONF
listeners.ssl.default = ${AMQPS_PORT}
management.tcp.port = ${MANAGEMENT_PORT}
prometheus.tcp.port = ${PROMETHEUS_PORT}
cluster_formation.peer_discovery_backend = classic_config
cluster_formation.classic_config.nodes.1 = rabbit-1@localhost
cluster_formation.classic_config.nodes.2 = rabbit-2@localhost
cluster_formation.classic_config.nodes.3 = rabbit-3@localhost
queue_leader_locator = balanced
CONF
umask 077
printf '%s' "${ERLANG_COOKIE}" > /var/lib/rabbitmq/.erlang.cookie
chown rabbitmq:rabbitmq /var/lib/rabbitmq/.erlang.cookie
# Nodes sharing a host's cores must not spin while idle.
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="+sbwt none +sbwtdcpu none +sbwtdio none"
exec docker-entrypoint.sh rabbitmq-server
