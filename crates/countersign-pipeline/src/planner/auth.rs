//! Authentication: who the customer is. The channel's identity (the email sender, the
//! chat/widget session's address), or a full name *and* zip code written in the message. A
//! user id or "I am X" in the body is never enough: anyone can type those.

use countersign_shop::{ShopView, User};

use super::run::{CapHit, Run, Ticker};
use crate::intent;
use crate::plan::{Caps, TraceStep};
use crate::request::Request;

/// Authentication on its own, for another planner (the LLM's): the customer the channel's
/// identity (or a name and zip in their own words) selects, and the traced reads it took.
pub fn identify<V: ShopView>(
    view: &V,
    ticker: &dyn Ticker,
    request: &Request,
    own_words: &str,
) -> (Option<User>, Vec<TraceStep>) {
    // Authentication takes at most four reads; no cap can stop it halfway.
    let caps = Caps {
        max_steps: usize::MAX,
        max_cost_usd: f64::INFINITY,
    };
    let mut run = Run::new(view, ticker, caps, None);
    let _ = authenticate(&mut run, request, own_words);
    (run.customer, run.steps)
}

/// Finds and loads the customer into `run.customer`; leaves it `None` when nobody matches.
pub(crate) fn authenticate<V: ShopView>(
    run: &mut Run<'_, V>,
    request: &Request,
    own_words: &str,
) -> Result<(), CapHit> {
    if let Some(sender) = &request.sender {
        if let Ok(id) = run.user_by_email(sender)? {
            load(run, &id)?;
        }
    }
    if run.customer.is_none() {
        if let Some((first, last, zip)) = intent::name_and_zip(own_words) {
            if let Ok(id) = run.user_by_name_zip(&first, &last, &zip)? {
                load(run, &id)?;
            }
        }
    }
    Ok(())
}

fn load<V: ShopView>(run: &mut Run<'_, V>, id: &str) -> Result<(), CapHit> {
    if let Ok(user) = run.user(id)? {
        run.facts.push(format!(
            "customer verified: {} ({} {})",
            user.user_id, user.name.first_name, user.name.last_name
        ));
        run.customer = Some(user);
    }
    Ok(())
}
