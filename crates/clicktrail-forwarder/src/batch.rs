//! [`Batcher`]: tasks that serve requests in batches — whatever queued up while the previous
//! batch ran — so that many events or jobs share one transaction and one disk sync (group
//! commit). The intake's inserts and the worker's decisions and attempt records all go through
//! one.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::{Mutex, mpsc, oneshot};

use crate::Error;

type Reply<Resp> = oneshot::Sender<Result<Resp, Arc<Error>>>;

/// The handle callers use; the task ends when every handle is dropped.
#[derive(Debug)]
pub(crate) struct Batcher<Req, Resp> {
    tx: mpsc::Sender<(Req, Reply<Resp>)>,
}

impl<Req: Send + 'static, Resp: Send + 'static> Batcher<Req, Resp> {
    /// Spawns one task: `serve` gets up to `max` requests at once and answers each, in order.
    pub(crate) fn spawn<F, Fut>(max: usize, serve: F) -> Self
    where
        F: Fn(Vec<Req>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<Resp>, Error>> + Send,
    {
        Self::spawn_many(max, 1, serve).0
    }

    /// Spawns `tasks` tasks taking batches from one queue (for a store that commits several
    /// transactions at once); also returns their handles, which end once every `Batcher` handle
    /// is dropped and what was queued is served.
    pub(crate) fn spawn_many<F, Fut>(
        max: usize,
        tasks: usize,
        serve: F,
    ) -> (Self, Vec<tokio::task::JoinHandle<()>>)
    where
        F: Fn(Vec<Req>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<Resp>, Error>> + Send,
    {
        let max = max.max(1);
        let (tx, rx) = mpsc::channel::<(Req, Reply<Resp>)>(max * 2);
        let rx = Arc::new(Mutex::new(rx));
        let serve = Arc::new(serve);
        let handles = (0..tasks.max(1))
            .map(|_| {
                let (rx, serve) = (Arc::clone(&rx), Arc::clone(&serve));
                tokio::spawn(async move {
                    let mut batch = Vec::with_capacity(max);
                    loop {
                        // The lock is held only while waiting for a batch, not while serving it.
                        if rx.lock().await.recv_many(&mut batch, max).await == 0 {
                            return;
                        }
                        let (requests, replies): (Vec<Req>, Vec<Reply<Resp>>) =
                            batch.drain(..).unzip();
                        match serve(requests).await {
                            Ok(answers) => {
                                for (reply, answer) in replies.into_iter().zip(answers) {
                                    let _ = reply.send(Ok(answer));
                                }
                            }
                            Err(e) => {
                                let shared = Arc::new(e);
                                for reply in replies {
                                    let _ = reply.send(Err(Arc::clone(&shared)));
                                }
                            }
                        }
                    }
                })
            })
            .collect();
        (Self { tx }, handles)
    }

    /// Queues `request` and waits for its answer.
    pub(crate) async fn call(&self, request: Req) -> Result<Resp, Error> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send((request, reply))
            .await
            .map_err(|_| Error::service("the batch task stopped"))?;
        answer
            .await
            .map_err(|_| Error::service("the batch task stopped"))?
            .map_err(Error::Batch)
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
                    return Err(Error::service("unlucky"));
                }
                Ok(batch.into_iter().map(|n| n * 2).collect())
            }
        });
        let batcher = Arc::new(batcher);
        let calls: Vec<_> = (0..5)
            .map(|n| {
                let b = Arc::clone(&batcher);
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

    #[tokio::test]
    async fn several_tasks_serve_one_queue_and_end_when_the_handles_are_dropped() {
        let (started_tx, mut started) = mpsc::unbounded_channel();
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        let (batcher, handles) = {
            let gate = Arc::clone(&gate);
            Batcher::spawn_many(1, 2, move |batch: Vec<u32>| {
                let (started_tx, gate) = (started_tx.clone(), Arc::clone(&gate));
                async move {
                    let _ = started_tx.send(batch[0]);
                    gate.acquire().await.unwrap().forget();
                    Ok(batch)
                }
            })
        };
        let batcher = Arc::new(batcher);
        let calls: Vec<_> = (0..2)
            .map(|n| {
                let b = Arc::clone(&batcher);
                tokio::spawn(async move { b.call(n).await.unwrap() })
            })
            .collect();
        // Both batches are being served at once: neither can finish before the gate opens.
        let mut seen = vec![started.recv().await.unwrap(), started.recv().await.unwrap()];
        seen.sort_unstable();
        assert_eq!(seen, [0, 1]);
        gate.add_permits(2);
        for (n, c) in calls.into_iter().enumerate() {
            assert_eq!(c.await.unwrap(), u32::try_from(n).unwrap());
        }
        drop(batcher);
        for h in handles {
            h.await.unwrap();
        }
    }
}
