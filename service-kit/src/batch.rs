//! Group commit, as both services write what many requests wait on (submissions, assertion ids):
//! one writer task takes whatever is queued, up to a batch, and writes it in one transaction.

use tokio::sync::mpsc;

/// The next batch from `rx`: waits for one item, then takes those already queued, up to `max`
/// in all. `None` once every sender is gone and the queue is empty.
pub async fn next<T>(rx: &mut mpsc::Receiver<T>, max: usize) -> Option<Vec<T>> {
    let first = rx.recv().await?;
    let mut batch = vec![first];
    while batch.len() < max {
        match rx.try_recv() {
            Ok(item) => batch.push(item),
            Err(_) => break,
        }
    }
    Some(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_batch_takes_what_is_queued_up_to_the_maximum() {
        let (tx, mut rx) = mpsc::channel(10);
        for i in 0..5 {
            tx.send(i).await.unwrap();
        }
        assert_eq!(next(&mut rx, 3).await, Some(vec![0, 1, 2]));
        assert_eq!(next(&mut rx, 3).await, Some(vec![3, 4]));
        drop(tx);
        assert_eq!(next(&mut rx, 3).await, None);
    }
}
