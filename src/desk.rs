//! The desk: the path of one message through the stages. `prepare` detects the language,
//! resolves the market, applies the cue rules, retrieves and decides; `reply` generates the
//! answer as a stream of events, falling back from the LLM to the extractive answer (and from
//! that to a handoff) so that no accepted message ends in silence.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::channel::Channel;
use crate::conversation::ConversationMemory;
use crate::decision::{Action, Decision, DecisionRules, HandoffReason, Rule};
use crate::generation::extractive::ExtractiveGenerator;
use crate::generation::{fit_budget, Chunk, GenerationRequest, Generator, Usage};
use crate::knowledge::Topic;
use crate::language::{Detection, Lang, LanguageDetector, Priors};
use crate::market::{Market, Mention};
use crate::prompts::Prompts;
use crate::retrieval::{RetrievalError, RetrievalQuery, Retriever};
use crate::tokens;

/// A message as the desk receives it, already validated at the edge.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub channel: Channel,
    pub conversation_id: Option<String>,
    pub viewer: Viewer,
    pub text: String,
    /// The room's or channel's default language, when the caller knows it.
    pub room_language: Option<Lang>,
}

/// Who wrote.
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    pub id: String,
    pub name: Option<String>,
    /// The platform locale as given (`pt-BR`); unknown languages are ignored, not rejected.
    pub locale: Option<String>,
    pub market: Option<Market>,
}

/// A passage an answer was built from.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub passage_id: String,
    pub document_id: String,
    pub title: String,
    pub topic: Topic,
    pub language: Lang,
    pub score: f32,
}

/// Microseconds spent in each stage.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    pub detect_us: u64,
    pub retrieve_us: u64,
    pub decide_us: u64,
    pub generate_us: u64,
}

/// Everything decided before the answer text: enough to send the SSE `meta` event.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub detection: Detection,
    pub market: Option<Market>,
    pub decision: Decision,
    pub topic: Option<Topic>,
    pub confidence: Option<f32>,
    pub sources: Vec<Source>,
    pub timings: Timings,
    request: Option<GenerationRequest>,
}

/// The end of a reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Final {
    /// The action taken; an answer whose generation failed completely becomes a handoff.
    pub action: Action,
    /// What the viewer is sent: the answer, a holding message, or nothing.
    pub text: Option<String>,
    pub usage: Option<Usage>,
    /// `llm` or `extractive`, for answers.
    pub generator: Option<&'static str>,
    /// Why the configured generator was not used for this answer, if it was not.
    pub fallback: Option<String>,
    pub timings: Timings,
}

/// Events of a reply stream.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplyEvent {
    Delta(String),
    Done(Final),
}

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error(transparent)]
    Retrieval(#[from] RetrievalError),
}

/// Answers per-channel budgets.
#[derive(Debug, Clone, Copy)]
pub struct Budgets {
    pub live: usize,
    pub whatsapp: usize,
    pub email: usize,
}

impl Budgets {
    pub fn of(&self, channel: Channel) -> usize {
        match channel {
            Channel::Live => self.live,
            Channel::WhatsApp => self.whatsapp,
            Channel::Email => self.email,
        }
    }
}

/// How many passages an LLM sees.
const LLM_PASSAGES: usize = 3;
/// How many leading passages the extractive answer may draw on (those of the top document).
const EXTRACTIVE_PASSAGES: usize = 2;

pub struct Desk {
    pub detector: LanguageDetector,
    pub retriever: Retriever,
    pub rules: DecisionRules,
    pub generator: Arc<dyn Generator>,
    pub extractive: Arc<ExtractiveGenerator>,
    pub prompts: Prompts,
    pub conversations: ConversationMemory,
    pub budgets: Budgets,
    pub first_token_timeout: Duration,
}

impl Desk {
    /// Detects, resolves the market, applies the rules, retrieves and decides.
    #[tracing::instrument(skip_all, fields(channel = %message.channel, language, market, action, reason, confidence))]
    pub async fn prepare(&self, message: &Inbound) -> Result<Prepared, DeskError> {
        let mut timings = Timings::default();
        let started = Instant::now();
        let knowledge = self.retriever.knowledge();
        let locale: Option<Lang> = message
            .viewer
            .locale
            .as_deref()
            .and_then(|l| l.parse().ok());
        let conversation = message
            .conversation_id
            .as_deref()
            .and_then(|c| self.conversations.language(c));
        let mention = knowledge.markets.mention(&message.text);
        let profile_market = message
            .viewer
            .market
            .or_else(|| message.viewer.locale.as_deref().and_then(locale_region))
            .filter(|m| knowledge.markets.serves(*m));
        let priors = Priors {
            conversation,
            locale,
            room: message.room_language,
            market: profile_market
                .map(|m| knowledge.markets.languages(m).to_vec())
                .unwrap_or_default(),
        };
        let detection = self.detector.detect(&message.text, &priors);
        timings.detect_us = elapsed_us(started);

        // A place named in the text wins over the profile ("ship to Brazil?" from a US viewer
        // is about Brazil); a country the seller does not serve leaves only the
        // market-independent passages, which say where the seller ships.
        let market = match mention {
            Some(Mention::Served(m)) => Some(m),
            Some(Mention::Unserved) => None,
            None => profile_market.or_else(|| knowledge.markets.home_of(detection.language)),
        };

        let decide_started = Instant::now();
        let mut cue_languages = vec![detection.language, Lang::En];
        cue_languages.extend(locale);
        cue_languages.extend(conversation);
        cue_languages.dedup();
        let early = self.rules.before_retrieval(
            &message.text,
            &detection,
            &cue_languages,
            message.channel,
            &knowledge.markets,
        );
        timings.decide_us = elapsed_us(decide_started);

        let mut prepared = Prepared {
            detection: detection.clone(),
            market,
            decision: Decision {
                action: Action::Ignore,
                rule: Rule::NoWords,
            },
            topic: None,
            confidence: None,
            sources: Vec::new(),
            timings,
            request: None,
        };
        if let Some(decision) = early {
            prepared.decision = decision;
        } else {
            let retrieve_started = Instant::now();
            let question = self.rules.question_part(&message.text);
            let retrieval = self
                .retriever
                .retrieve(&RetrievalQuery {
                    text: &question,
                    language: detection.language,
                    market,
                    market_named: matches!(mention, Some(Mention::Served(_))),
                })
                .await?;
            prepared.timings.retrieve_us = elapsed_us(retrieve_started);
            let decide_started = Instant::now();
            let top_handoff = retrieval
                .hits
                .first()
                .and_then(|top| self.retriever.passage(top.passage).handoff);
            prepared.decision = self.rules.after_retrieval(
                retrieval.confidence,
                top_handoff,
                &message.text,
                &cue_languages,
            );
            prepared.confidence = Some(retrieval.confidence);
            if let Some(top) = retrieval.hits.first() {
                prepared.topic = Some(self.retriever.passage(top.passage).document.topic);
            }
            if prepared.decision.action == Action::Answer {
                let hits: Vec<_> = if self.generator.name() == "llm" {
                    retrieval.hits.iter().take(LLM_PASSAGES).collect()
                } else {
                    // The extractive answer may go on into the next passage of the same document
                    // (the rest of a split section, or the document's next section) when the
                    // budget has room: "free shipping?" answered by the delivery section still
                    // gets the free-shipping threshold.
                    let top = retrieval
                        .hits
                        .first()
                        .map(|h| &self.retriever.passage(h.passage).document.id);
                    retrieval
                        .hits
                        .iter()
                        .take(EXTRACTIVE_PASSAGES)
                        .filter(|h| Some(&self.retriever.passage(h.passage).document.id) == top)
                        .collect()
                };
                prepared.sources = hits
                    .iter()
                    .map(|h| {
                        let p = self.retriever.passage(h.passage);
                        Source {
                            passage_id: p.id.clone(),
                            document_id: p.document.id.clone(),
                            title: p.document.title.clone(),
                            topic: p.document.topic,
                            language: p.document.language,
                            score: h.similarity,
                        }
                    })
                    .collect();
                prepared.request = Some(GenerationRequest {
                    question: question.clone(),
                    language: detection.language,
                    channel: message.channel,
                    market,
                    named_topics: retrieval.named_topics.clone(),
                    budget: self.budgets.of(message.channel),
                    passages: hits
                        .iter()
                        .map(|h| self.retriever.passage(h.passage).clone())
                        .collect(),
                });
            }
            prepared.timings.decide_us += elapsed_us(decide_started);
        }

        if let Some(id) = &message.conversation_id {
            if detection.unsupported.is_none() && !matches!(prepared.decision.rule, Rule::NoWords) {
                self.conversations.remember(id, detection.language);
            }
        }
        let span = tracing::Span::current();
        span.record("language", detection.language.code());
        span.record("market", market.map(|m| m.to_string()).unwrap_or_default());
        span.record("action", prepared.decision.action.kind());
        if let Some(reason) = prepared.decision.action.reason() {
            span.record("reason", reason.as_str());
        }
        if let Some(c) = prepared.confidence {
            span.record("confidence", c);
        }
        Ok(prepared)
    }

    /// Streams the reply for a prepared message. The stream always ends with one `Done`.
    /// Dropping it stops the generation (and the LLM request).
    pub fn reply(self: &Arc<Self>, prepared: &Prepared) -> ReceiverStream<ReplyEvent> {
        let (tx, rx) = mpsc::channel(32);
        let desk = self.clone();
        let prepared = prepared.clone();
        tokio::spawn(async move {
            let done = desk.run_reply(&prepared, &tx).await;
            let _ = tx.send(ReplyEvent::Done(done)).await;
        });
        ReceiverStream::new(rx)
    }

    async fn run_reply(&self, prepared: &Prepared, tx: &mpsc::Sender<ReplyEvent>) -> Final {
        let language = prepared.detection.language;
        let mut timings = prepared.timings;
        let holding =
            |reason: HandoffReason| Some(self.prompts.holding(language, reason).to_string());
        let request = match (prepared.decision.action, &prepared.request) {
            (Action::Answer, Some(request)) => request,
            (Action::Handoff(reason), _) => {
                return Final {
                    action: prepared.decision.action,
                    text: holding(reason),
                    usage: None,
                    generator: None,
                    fallback: None,
                    timings,
                }
            }
            _ => {
                return Final {
                    action: Action::Ignore,
                    text: None,
                    usage: None,
                    generator: None,
                    fallback: None,
                    timings,
                }
            }
        };
        let started = Instant::now();
        let outcome = self.stream_answer(request, tx).await;
        timings.generate_us = elapsed_us(started);
        match outcome {
            Ok((text, prompt_tokens)) => Final {
                action: Action::Answer,
                usage: Some(Usage {
                    prompt_tokens,
                    answer_tokens: tokens::count(&text),
                }),
                text: Some(text),
                generator: Some(self.generator.name()),
                fallback: None,
                timings,
            },
            Err((failure, streamed)) => {
                tracing::warn!(generator = self.generator.name(), error = %failure, "generation failed, answering extractively");
                match self.extractive.answer(request) {
                    Ok(text) => {
                        // Clients that render deltas get the fallback text too when nothing
                        // was streamed yet; after a mid-stream break, `done` carries the
                        // authoritative answer.
                        if !streamed {
                            let _ = tx.send(ReplyEvent::Delta(text.clone())).await;
                        }
                        Final {
                            action: Action::Answer,
                            usage: Some(Usage {
                                prompt_tokens: 0,
                                answer_tokens: tokens::count(&text),
                            }),
                            text: Some(text),
                            generator: Some(self.extractive.name()),
                            fallback: Some(failure),
                            timings,
                        }
                    }
                    Err(_) => Final {
                        action: Action::Handoff(HandoffReason::GenerationFailed),
                        text: holding(HandoffReason::GenerationFailed),
                        usage: None,
                        generator: None,
                        fallback: Some(failure),
                        timings,
                    },
                }
            }
        }
    }

    /// Runs the configured generator, forwarding text as it arrives. Returns the final text
    /// (trimmed to the budget) and the prompt token count, or why it failed.
    async fn stream_answer(
        &self,
        request: &GenerationRequest,
        tx: &mpsc::Sender<ReplyEvent>,
    ) -> Result<(String, usize), (String, bool)> {
        let mut stream = self
            .generator
            .generate(request)
            .await
            .map_err(|e| (e.to_string(), false))?;
        let mut text = String::new();
        let mut prompt_tokens = 0;
        let mut first = true;
        loop {
            let next = if first {
                match tokio::time::timeout(self.first_token_timeout, stream.next()).await {
                    Ok(next) => next,
                    Err(_) => {
                        return Err(("no text before the first-token deadline".into(), false))
                    }
                }
            } else {
                stream.next().await
            };
            match next {
                None => break,
                Some(Err(e)) => return Err((e.to_string(), !first)),
                Some(Ok(Chunk::PromptTokens(n))) => prompt_tokens = n,
                Some(Ok(Chunk::Text(piece))) => {
                    first = false;
                    text.push_str(&piece);
                    if tx.send(ReplyEvent::Delta(piece)).await.is_err() {
                        return Err(("the client went away".into(), true));
                    }
                }
            }
        }
        let text = fit_budget(&text, request.budget);
        if text.is_empty() {
            return Err(("the generator produced no text".into(), !first));
        }
        Ok((text, prompt_tokens))
    }

    /// Prepares and replies, collecting the stream: for JSON responses, the CLI and the eval.
    pub async fn handle(
        self: &Arc<Self>,
        message: &Inbound,
    ) -> Result<(Prepared, Final), DeskError> {
        let prepared = self.prepare(message).await?;
        let mut events = self.reply(&prepared);
        let mut done = None;
        while let Some(event) = events.next().await {
            if let ReplyEvent::Done(f) = event {
                done = Some(f);
            }
        }
        let done = done.unwrap_or(Final {
            action: Action::Handoff(HandoffReason::GenerationFailed),
            text: Some(
                self.prompts
                    .holding(prepared.detection.language, HandoffReason::GenerationFailed)
                    .to_string(),
            ),
            usage: None,
            generator: None,
            fallback: Some("the reply task ended early".into()),
            timings: prepared.timings,
        });
        Ok((prepared, done))
    }
}

/// The region of a locale (`pt-BR` -> BR, `zh_Hans_SG` -> SG).
fn locale_region(locale: &str) -> Option<Market> {
    locale
        .split(['-', '_'])
        .skip(1)
        .find(|part| part.len() == 2 && part.chars().all(|c| c.is_ascii_alphabetic()))
        .and_then(|part| part.parse().ok())
}

fn elapsed_us(since: Instant) -> u64 {
    since.elapsed().as_micros() as u64
}

#[cfg(test)]
mod tests {
    use super::locale_region;

    #[test]
    fn locale_regions() {
        assert_eq!(
            locale_region("pt-BR").map(|m| m.to_string()),
            Some("BR".into())
        );
        assert_eq!(
            locale_region("zh_Hans_SG").map(|m| m.to_string()),
            Some("SG".into())
        );
        assert_eq!(locale_region("en"), None);
    }
}
