//! Validation slots shared fairly between entities.
//!
//! PDF validation is CPU-bound and the slots are few (`fetch.pdf_validations_in_flight`); with
//! one first-come queue, an entity serving many heavy attachments keeps every slot busy and
//! everybody else's attachments wait behind all of them. Here waiters queue per entity (the
//! origin of its base URL, as `gate` keys entities), and a freed slot goes to the next entity
//! in turn that has waiters. So a waiting attachment has at most one validation of each other
//! entity with waiters ahead of it, and each validation is bounded by its deadline.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

struct Waiter {
    granted: bool,
    wake: Arc<Notify>,
}

#[derive(Default)]
struct State {
    free: usize,
    /// Each entity's waiters, oldest first (ids into `waiters`).
    queues: HashMap<String, VecDeque<u64>>,
    /// Entities with waiters, in the order their turn comes.
    turns: VecDeque<String>,
    waiters: HashMap<u64, Waiter>,
    next_id: u64,
}

impl State {
    /// Gives a freed slot to the next entity's oldest waiter, or keeps it free.
    fn hand_over(&mut self) {
        while let Some(entity) = self.turns.pop_front() {
            let Some(queue) = self.queues.get_mut(&entity) else {
                continue;
            };
            let Some(id) = queue.pop_front() else {
                self.queues.remove(&entity);
                continue;
            };
            if queue.is_empty() {
                self.queues.remove(&entity);
            } else {
                self.turns.push_back(entity);
            }
            if let Some(w) = self.waiters.get_mut(&id) {
                w.granted = true;
                w.wake.notify_one();
                return;
            }
        }
        self.free += 1;
    }

    fn forget(&mut self, entity: &str, id: u64) {
        if let Some(queue) = self.queues.get_mut(entity) {
            queue.retain(|&w| w != id);
            if queue.is_empty() {
                self.queues.remove(entity);
                self.turns.retain(|e| e != entity);
            }
        }
    }
}

/// A fixed number of slots, handed out round-robin between entities.
#[derive(Clone)]
pub struct FairSlots {
    state: Arc<Mutex<State>>,
}

/// A held slot; dropping it hands it over.
pub struct Slot {
    state: Arc<Mutex<State>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.state.lock().expect("slots lock").hand_over();
    }
}

/// Removes a waiter that gave up (its request was dropped), passing on a slot it was granted
/// meanwhile.
struct Waiting<'a> {
    slots: &'a FairSlots,
    entity: &'a str,
    id: u64,
    done: bool,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut s = self.slots.state.lock().expect("slots lock");
        match s.waiters.remove(&self.id) {
            Some(w) if w.granted => s.hand_over(),
            _ => s.forget(self.entity, self.id),
        }
    }
}

impl FairSlots {
    pub fn new(slots: usize) -> FairSlots {
        FairSlots {
            state: Arc::new(Mutex::new(State {
                free: slots,
                ..State::default()
            })),
        }
    }

    /// Waits for a slot for `entity`'s work.
    pub async fn acquire(&self, entity: &str) -> Slot {
        let (id, wake) = {
            let mut s = self.state.lock().expect("slots lock");
            // Nobody waits: a free slot is taken at once.
            if s.free > 0 && s.turns.is_empty() {
                s.free -= 1;
                return Slot {
                    state: self.state.clone(),
                };
            }
            let id = s.next_id;
            s.next_id += 1;
            let wake = Arc::new(Notify::new());
            s.waiters.insert(
                id,
                Waiter {
                    granted: false,
                    wake: wake.clone(),
                },
            );
            match s.queues.get_mut(entity) {
                Some(q) => q.push_back(id),
                None => {
                    s.queues.insert(entity.to_owned(), VecDeque::from([id]));
                    s.turns.push_back(entity.to_owned());
                }
            }
            // A slot may be free while others wait (they are being woken): take turns anyway.
            if s.free > 0 {
                s.free -= 1;
                s.hand_over();
            }
            (id, wake)
        };
        let mut waiting = Waiting {
            slots: self,
            entity,
            id,
            done: false,
        };
        loop {
            // `notify_one` stores a permit when nobody waits yet: no wake-up is lost.
            wake.notified().await;
            let mut s = self.state.lock().expect("slots lock");
            if s.waiters.get(&id).is_some_and(|w| w.granted) {
                s.waiters.remove(&id);
                waiting.done = true;
                return Slot {
                    state: self.state.clone(),
                };
            }
        }
    }

    /// How many wait for a slot, all entities together.
    pub fn waiting(&self) -> usize {
        self.state.lock().expect("slots lock").waiters.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Queues `who` for a slot; once granted it records its name and holds the slot until told.
    fn queue(
        slots: &FairSlots,
        who: &'static str,
        entity: &'static str,
        order: &Arc<Mutex<Vec<&'static str>>>,
    ) -> (tokio::task::JoinHandle<()>, Arc<Notify>) {
        let release = Arc::new(Notify::new());
        let (slots, order, r) = (slots.clone(), order.clone(), release.clone());
        let task = tokio::spawn(async move {
            let slot = slots.acquire(entity).await;
            order.lock().unwrap().push(who);
            r.notified().await;
            drop(slot);
        });
        (task, release)
    }

    async fn until(cond: impl Fn() -> bool) {
        for _ in 0..10_000 {
            if cond() {
                return;
            }
            tokio::task::yield_now().await;
        }
        panic!("the condition never held");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn freed_slots_go_round_robin_between_entities() {
        let slots = FairSlots::new(1);
        let order = Arc::new(Mutex::new(Vec::new()));
        let held = slots.acquire("https://bombs.example").await;
        let mut tasks = Vec::new();
        // The bomb entity queues three before the others queue one each.
        for (who, entity) in [
            ("bomb1", "https://bombs.example"),
            ("bomb2", "https://bombs.example"),
            ("bomb3", "https://bombs.example"),
            ("small", "https://small.example"),
            ("other", "https://other.example"),
        ] {
            let n = slots.waiting();
            tasks.push(queue(&slots, who, entity, &order));
            until(|| slots.waiting() == n + 1).await;
        }
        let names = ["bomb1", "bomb2", "bomb3", "small", "other"];
        drop(held);
        // Each granted waiter is released in turn, which frees the one slot again.
        for i in 0..names.len() {
            until(|| order.lock().unwrap().len() == i + 1).await;
            let granted = order.lock().unwrap()[i];
            let at = names.iter().position(|&n| n == granted).unwrap();
            tasks[at].1.notify_one();
        }
        for (task, _) in tasks {
            task.await.unwrap();
        }
        assert_eq!(
            *order.lock().unwrap(),
            ["bomb1", "small", "other", "bomb2", "bomb3"],
            "each entity with waiters gets a turn before one entity gets a second"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn with_two_slots_a_second_entity_waits_for_at_most_one_validation() {
        let slots = FairSlots::new(2);
        let order = Arc::new(Mutex::new(Vec::new()));
        let a = slots.acquire("https://bombs.example").await;
        let b = slots.acquire("https://bombs.example").await;
        let mut tasks = Vec::new();
        for (who, entity) in [
            ("bomb3", "https://bombs.example"),
            ("bomb4", "https://bombs.example"),
            ("small", "https://small.example"),
        ] {
            let n = slots.waiting();
            tasks.push(queue(&slots, who, entity, &order));
            until(|| slots.waiting() == n + 1).await;
        }
        // The first slot freed: the bomb entity's next turn (it was first in line).
        drop(a);
        until(|| order.lock().unwrap().len() == 1).await;
        // The second slot freed: the small entity's, ahead of the bomb entity's fourth.
        drop(b);
        until(|| order.lock().unwrap().len() == 2).await;
        assert_eq!(*order.lock().unwrap(), ["bomb3", "small"]);
        for (task, release) in tasks {
            release.notify_one();
            task.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), ["bomb3", "small", "bomb4"]);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_waiter_that_gives_up_passes_its_slot_on() {
        let slots = FairSlots::new(1);
        let held = slots.acquire("https://a.example").await;
        let gave_up = tokio::time::timeout(
            Duration::from_millis(10),
            slots.acquire("https://b.example"),
        )
        .await;
        assert!(gave_up.is_err());
        assert_eq!(slots.waiting(), 0, "the abandoned waiter is forgotten");
        drop(held);
        // The slot is free again, not lost to the waiter that left.
        let again =
            tokio::time::timeout(Duration::from_secs(5), slots.acquire("https://c.example")).await;
        assert!(again.is_ok());
    }
}
