//! The redirect listener on 127.0.0.1 (RFC 8252 §7.3, §8.3).

use std::net::{Ipv4Addr, SocketAddr};

use socket2::{Domain, Protocol, Socket, Type};

use crate::LoginError;

/// A bound but not yet serving listener. Serving happens inside [`crate::PendingLogin::wait`],
/// which closes it as soon as the login ends.
#[derive(Debug)]
pub struct LoopbackListener {
    listener: std::net::TcpListener,
    port: u16,
}

impl LoopbackListener {
    /// Binds 127.0.0.1:`port` (0 = an ephemeral port).
    ///
    /// A fixed port must be bindable again right after the previous login: that login's
    /// closed connection lingers in TIME_WAIT for a minute, and without `SO_REUSEADDR` Linux
    /// and macOS refuse the bind meanwhile. There `SO_REUSEADDR` only allows re-binding over
    /// TIME_WAIT; it never lets a second socket listen on a port that is listening (that takes
    /// `SO_REUSEPORT`, which stays off), so no other process can take the redirect. On
    /// Windows the same option would allow exactly that, so there the port is claimed with
    /// `SO_EXCLUSIVEADDRUSE` instead (RFC 8252 §8.3).
    pub fn bind(port: u16) -> Result<LoopbackListener, LoginError> {
        let listener_error = |e: std::io::Error| LoginError::Listener {
            detail: e.to_string(),
        };
        let socket =
            Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).map_err(listener_error)?;
        #[cfg(unix)]
        socket.set_reuse_address(true).map_err(listener_error)?;
        #[cfg(windows)]
        socket
            .set_exclusive_address_use(true)
            .map_err(listener_error)?;
        socket.set_nonblocking(true).map_err(listener_error)?;
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        socket.bind(&address.into()).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                LoginError::PortTaken { port }
            } else {
                listener_error(e)
            }
        })?;
        socket.listen(32).map_err(listener_error)?;
        let listener: std::net::TcpListener = socket.into();
        let port = listener.local_addr().map_err(listener_error)?.port();
        Ok(LoopbackListener { listener, port })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port><path>`: the IP literal, never `localhost` (RFC 8252 §8.3).
    pub fn redirect_uri(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub(crate) fn into_tokio(self) -> Result<tokio::net::TcpListener, LoginError> {
        tokio::net::TcpListener::from_std(self.listener).map_err(|e| LoginError::Listener {
            detail: e.to_string(),
        })
    }
}
