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
    /// Binds 127.0.0.1:`port` (0 = an ephemeral port). `SO_REUSEADDR` is deliberately left off:
    /// on Linux it would let another socket bind the same port and receive the redirect
    /// (RFC 8252 Appendix B).
    pub fn bind(port: u16) -> Result<LoopbackListener, LoginError> {
        let listener_error = |e: std::io::Error| LoginError::Listener {
            detail: e.to_string(),
        };
        let socket =
            Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).map_err(listener_error)?;
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
