/**
 * The accept queue the RTMP and RTSP listeners ask the kernel for (Linux caps it at
 * net.core.somaxconn, 4096 by default since 5.4). Node's default is 511. When a site comes back
 * after an outage, hundreds of cameras and viewers reconnect within a second, while the event loop
 * is busy serving the ones already in. Connections past the queue are not refused. The kernel drops
 * their handshake's last ACK, the client believes it is connected and sends its first bytes, and
 * those are answered with a reset (ECONNRESET) once the server gives up on the half-open entry. The
 * fan-out bench saw that at 1200 RTMP readers joining at once.
 */
export const LISTEN_BACKLOG = 4096;
