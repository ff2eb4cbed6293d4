//! The real model: a provider client from `countersign-llm`, and how a workspace's settings and
//! a key become one.

use std::sync::Arc;
use std::time::Duration;

use countersign_core::Secret;
use countersign_llm::{
    connect, BoxFuture, Breakers, ChatRequest, ClientSettings, LlmClient, LlmError, ProviderKind,
};
use countersign_store::{Provider, ProviderSettings};

use crate::agent::ModelAccess;
use crate::model::{Model, ModelFailure, ModelReply};

/// A provider client as the loop's [`Model`].
#[derive(Debug, Clone)]
pub struct ProviderModel {
    client: LlmClient,
}

impl ProviderModel {
    pub fn new(client: LlmClient) -> ProviderModel {
        ProviderModel { client }
    }

    pub fn client(&self) -> &LlmClient {
        &self.client
    }
}

impl Model for ProviderModel {
    fn provider(&self) -> &str {
        self.client.provider().kind().as_str()
    }

    fn model(&self) -> &str {
        self.client.provider().model()
    }

    fn ready(&self) -> Result<(), String> {
        if self.client.would_admit() {
            Ok(())
        } else {
            Err(LlmError::BreakerOpen.code().to_owned())
        }
    }

    fn call<'a>(
        &'a self,
        request: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<ModelReply, ModelFailure>> {
        Box::pin(async move {
            match self.client.chat(request).await {
                Ok(x) => Ok(ModelReply {
                    response: x.response,
                    attempts: x.attempts,
                    latency_us: x.latency_us,
                    breaker: x.breaker.name().to_owned(),
                }),
                Err(f) => Err(ModelFailure {
                    error: f.error,
                    attempts: f.attempts,
                    latency_us: f.latency_us,
                    breaker: f.breaker.name().to_owned(),
                }),
            }
        })
    }
}

/// Whether a base URL is this machine (a local server such as Ollama needs no key).
pub fn is_loopback(base_url: &str) -> bool {
    let rest = base_url
        .split_once("://")
        .map(|(_, r)| r)
        .unwrap_or(base_url);
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = host.rsplit_once('@').map(|(_, h)| h).unwrap_or(host);
    let host = if host.starts_with('[') {
        host.split(']').next().map(|h| &h[1..]).unwrap_or("")
    } else {
        host.split(':').next().unwrap_or("")
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// How the model of a workspace can be reached, given its settings and the key as the host
/// found it (the keychain in the app, `COUNTERSIGN_API_KEY` for the CLI). The key is read at
/// call time by the host and lives only in the provider client.
pub fn model_access(
    settings: &ProviderSettings,
    key: Result<Option<Secret>, LlmError>,
    breakers: &Breakers,
    client: ClientSettings,
) -> ModelAccess {
    match provider_client(settings, key, breakers, client) {
        Ok(None) => ModelAccess::NoProvider,
        Ok(Some(c)) => ModelAccess::Ready(Arc::new(ProviderModel::new(c))),
        Err(e) => ModelAccess::Unusable(e.code().to_owned()),
    }
}

/// The provider client a workspace's settings and key describe (`None`: no provider is set):
/// what [`model_access`] wraps, and what a host's "Test connection" calls.
pub fn provider_client(
    settings: &ProviderSettings,
    key: Result<Option<Secret>, LlmError>,
    breakers: &Breakers,
    client: ClientSettings,
) -> Result<Option<LlmClient>, LlmError> {
    let kind = match settings.kind {
        Provider::None => return Ok(None),
        Provider::Openai => ProviderKind::Openai,
        Provider::Anthropic => ProviderKind::Anthropic,
    };
    let key = key?.filter(|k| !k.expose().trim().is_empty());
    let base_url = if settings.base_url.trim().is_empty() {
        kind.default_base_url()
    } else {
        settings.base_url.trim()
    };
    // A local OpenAI-compatible server (Ollama, llama.cpp, LM Studio) needs no key; anything
    // else does, and a missing key is said plainly rather than sent as a 401.
    if key.is_none() && !(kind == ProviderKind::Openai && is_loopback(base_url)) {
        return Err(LlmError::MissingApiKey);
    }
    let provider = connect(kind, base_url, &settings.model, key, client.timeout)?;
    let breaker = breakers.get(kind, base_url, &settings.model);
    Ok(Some(LlmClient::new(provider, client, breaker)))
}

/// The client settings hosts use unless a test sets its own.
pub fn default_client_settings() -> ClientSettings {
    ClientSettings {
        timeout: Duration::from_secs(60),
        ..ClientSettings::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_urls() {
        for url in [
            "http://localhost:11434/v1",
            "http://127.0.0.1:8080",
            "http://[::1]:1234/v1",
            "http://user@localhost/v1",
        ] {
            assert!(is_loopback(url), "{url}");
        }
        for url in [
            "https://api.openai.com/v1",
            "http://localhost.evil.com/v1",
            "http://10.0.0.1/v1",
            "https://127.0.0.1.nip.io",
        ] {
            assert!(!is_loopback(url), "{url}");
        }
    }
}
