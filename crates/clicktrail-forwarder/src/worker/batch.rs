//! [`Batcher`]: a task that serves requests in batches — whatever queued up while the previous
//! batch ran — so that many jobs share one transaction and one disk sync.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};

use crate::Error;

type Reply<Resp> = oneshot::Sender<Result<Resp, String>>;

/// The handle callers use; the task ends when every handle is dropped.
#[derive(Debug)]
pub(crate) struct Batcher<Req, Resp> {
    tx: mpsc::Sender<(Req, Reply<Resp>)>,
}

impl<Req: Send + 'static, Resp: Send + 'static> Batcher<Req, Resp> {
    /// Spawns the task: `serve` gets up to `max` requests at once and answers each, in order.
    pub(crate) fn spawn<F, Fut>(max: usize, mut serve: F) -> Self
    where
        F: FnMut(Vec<Req>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Vec<Resp>, Error>> + Send,
    {
        let max = max.max(1);
        let (tx, mut rx) = mpsc::channel::<(Req, Reply<Resp>)>(max * 2);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(max);
            while rx.recv_many(&mut batch, max).await > 0 {
                let (requests, replies): (Vec<Req>, Vec<Reply<Resp>>) = batch.drain(..).unzip();
                match serve(requests).await {
                    Ok(answers) => {
                        for (reply, answer) in replies.into_iter().zip(answers) {
                            let _ = reply.send(Ok(answer));
                        }
                    }
                    Err(e) => {
                        let message = e.to_string();
                        for reply in replies {
                            let _ = reply.send(Err(message.clone()));
                        }
                    }
                }
            }
        });
        Self { tx }
    }

    /// Queues `request` and waits for its answer.
    pub(crate) async fn call(&self, request: Req) -> Result<Resp, Error> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send((request, reply))
            .await
            .map_err(|_| Error::Service("the batch task stopped".into()))?;
        answer
            .await
            .map_err(|_| Error::Service("the batch task stopped".into()))?
            .map_err(Error::Database)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn requests_queued_together_are_served_together_and_answered_in_order() {
        let (seen_tx, mut seen) = mpsc::unbounded_channel();
        let batcher = Batcher::spawn(8, move |batch: Vec<u32>| {
            let seen_tx = seen_tx.clone();
            async move {
                let _ = seen_tx.send(batch.len());
                if batch.contains(&13) {
                    return Err(Error::Service("unlucky".into()));
                }
                Ok(batch.into_iter().map(|n| n * 2).collect())
            }
        });
        let batcher = std::sync::Arc::new(batcher);
        let calls: Vec<_> = (0..5)
            .map(|n| {
                let b = std::sync::Arc::clone(&batcher);
                tokio::spawn(async move { b.call(n).await.unwrap() })
            })
            .collect();
        let mut answers = Vec::new();
        for c in calls {
            answers.push(c.await.unwrap());
        }
        assert_eq!(answers, [0, 2, 4, 6, 8]);
        let mut sizes = 0;
        while let Ok(n) = seen.try_recv() {
            sizes += n;
        }
        assert_eq!(sizes, 5);
        let err = batcher.call(13).await.unwrap_err().to_string();
        assert!(err.contains("unlucky"), "{err}");
    }
}
