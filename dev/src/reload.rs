//! Reloading a changed app: the toolkit runs the app's synth again and hands the new assembly
//! to [`DevServer::reload`], which diffs it against the one being served and applies only the
//! difference, the way a CloudFormation update would:
//!
//! - queues, tables and buckets: when the stateful subset changed, moto's stack is updated
//!   with the new subset (`UpdateStack`), so additions, removals and changes follow
//!   CloudFormation's own update rules in moto (a change that needs replacement makes a new,
//!   empty resource — said in a log line);
//! - functions: one whose spec (binary, resolved environment, timeout, memory, concurrency)
//!   changed gets fresh sandboxes; a new one starts; a removed one stops; an unchanged one keeps
//!   its running processes;
//! - front doors (REST resources and methods, WebSocket routes, Function URLs) and event source
//!   mappings are rebuilt from the new template, each on the port it had (a new one on a free
//!   port). Requests already in flight, and open keep-alive or WebSocket connections, finish on
//!   the old definition.
//!
//! Nothing is changed until the new template is known to be servable (every function resolved
//! and built): a reload that fails leaves the old stack serving.

use std::collections::HashMap;

use crate::assembly::Assembly;
use crate::lambda::{Function, FunctionSpec};
use crate::server::{bind_doors, door_ids, function_specs, serve_doors, url_attrs, ws_hosts, EnvContext, Ports};
use crate::stateful::Deploy;
use crate::{logs, DevError, DevServer, FrontDoorKind};

/// What a reload changed (logical ids, sorted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reloaded {
    /// Functions whose spec changed: restarted with fresh sandboxes.
    pub restarted: Vec<String>,
    /// New functions.
    pub added: Vec<String>,
    /// Functions no longer in the template: stopped.
    pub removed: Vec<String>,
    /// Functions left running as they were.
    pub kept: Vec<String>,
    /// Whether the queues, tables and buckets were updated in moto.
    pub stateful_updated: bool,
}

impl DevServer {
    /// Serves `assembly` (a new synth of the same stack) in place of the current one, changing
    /// only what differs (see the module doc). On error nothing has changed.
    pub async fn reload(&mut self, assembly: Assembly) -> Result<Reloaded, DevError> {
        if assembly.stack != self.assembly.stack {
            return Err(DevError::Assembly(format!("the reloaded assembly serves {}, not {}", assembly.stack, self.assembly.stack)));
        }
        let changed = stateful_changes(&self.assembly, &assembly);
        let how = match changed.is_empty() {
            true => Deploy::Read,
            false => {
                logs::dev(&format!(
                    "queues, tables, buckets changed ({}): updating them in moto; a change that needs replacement \
                     makes a new, empty resource (restart dev to start from scratch)",
                    changed.join(", ")
                ));
                Deploy::Update
            }
        };
        let mut locals = crate::stateful::deploy(&assembly, &self.moto.endpoint, how).await?;
        self.carry_secrets(&assembly, &mut locals);
        // Every door keeps its port; a new one gets a free port, picked now so that the
        // functions' environment (the @connections URL) can name it.
        let mut plan = HashMap::new();
        for id in door_ids(&assembly).into_iter().flatten() {
            let port = match self.ports.get(&id) {
                Some(p) => *p,
                None => crate::net::free_port()?,
            };
            plan.insert(id, port);
        }
        url_attrs(&assembly, &mut locals, &plan);
        let hosts = ws_hosts(&assembly, &locals, &plan);
        let ctx = EnvContext {
            moto: &self.moto.endpoint,
            lambda_api: &self.lambda_api.url,
            issuer: self.issuer.as_deref(),
            ws_hosts: &hosts,
            opts: &self.opts,
            assembly: &assembly,
        };
        let (specs, sources) = function_specs(&assembly, &locals, &ctx).await?;
        let events = crate::events::template(&assembly, &locals, &hosts)?;
        let (functions, mut summary) = reconcile(&self.functions, specs);
        summary.stateful_updated = how == Deploy::Update;
        if self.opts.prewarm {
            for id in summary.restarted.iter().chain(&summary.added) {
                if let Err(e) = functions[id].prewarm().await {
                    summary.restarted.iter().chain(&summary.added).for_each(|id| functions[id].shutdown());
                    return Err(e);
                }
            }
        }
        if let Err(e) = crate::events::apply(&self.moto.endpoint, &assembly.stack, &self.events, &events).await {
            summary.restarted.iter().chain(&summary.added).for_each(|id| functions[id].shutdown());
            return Err(e);
        }
        self.events = events;
        self.switch_doors(&assembly, &locals, &functions, &plan).await?;
        self.lambda_api.set(&functions);
        for id in summary.restarted.iter().chain(&summary.removed) {
            self.functions[id].shutdown();
        }
        if let Some(w) = self.watcher.take() {
            w.abort();
        }
        self.watcher = self.opts.watch.then(|| crate::watch::spawn(sources, functions.clone()));
        self.functions = functions;
        self.assembly = assembly;
        self.locals = locals;
        self.write_state();
        logs::dev(&summary.to_string());
        Ok(summary)
    }

    /// Stops the front doors and mappings, and serves the new ones on `plan`'s ports.
    async fn switch_doors(
        &mut self,
        assembly: &Assembly,
        locals: &crate::intrinsics::Locals,
        functions: &HashMap<String, Function>,
        plan: &HashMap<String, u16>,
    ) -> Result<(), DevError> {
        for t in self.door_tasks.drain(..) {
            t.abort();
            let _ = t.await;
        }
        let listeners = bind_doors(assembly, plan, &mut Ports(0)).await?;
        self.ports = listeners.ports(assembly);
        let mut doors: Vec<_> = self.doors.iter().filter(|d| d.kind == FrontDoorKind::Issuer).cloned().collect();
        let (rest, ws, mappings) =
            serve_doors(assembly, locals, functions, &self.moto.endpoint, listeners, &mut doors, &mut self.door_tasks);
        (self.doors, self.rest, self.ws, self.mappings) = (doors, rest, ws, mappings);
        Ok(())
    }

    /// Secrets are made once, at start: their ARNs carry over; a new one is reported.
    fn carry_secrets(&self, assembly: &Assembly, locals: &mut crate::intrinsics::Locals) {
        for (id, _) in assembly.of_type("AWS::SecretsManager::Secret") {
            match self.locals.refs.get(id) {
                Some(arn) => {
                    locals.refs.insert(id.to_owned(), arn.clone());
                    locals.attrs.insert((id.to_owned(), "Id".into()), arn.clone());
                }
                None => logs::dev(&format!("{id}: a new secret is not created by a reload; restart dev to create it")),
            }
        }
    }
}

/// The stateful resources added, removed or changed between `old` and `new` (as deployed into
/// moto).
fn stateful_changes(old: &Assembly, new: &Assembly) -> Vec<String> {
    let (a, b) = (crate::stateful::subset(old).0, crate::stateful::subset(new).0);
    let (a, b) = (&a["Resources"], &b["Resources"]);
    let mut ids: Vec<&String> = a.as_object().into_iter().chain(b.as_object()).flat_map(|m| m.keys()).collect();
    ids.sort();
    ids.dedup();
    ids.into_iter()
        .filter_map(|id| match (a.get(id), b.get(id)) {
            (Some(x), Some(y)) if x == y => None,
            (Some(_), Some(_)) => Some(format!("~{id}")),
            (None, _) => Some(format!("+{id}")),
            (_, None) => Some(format!("-{id}")),
        })
        .collect()
}

/// The new function set: an unchanged spec keeps its running [`Function`], a changed or new one
/// gets a new one (not started yet).
fn reconcile(old: &HashMap<String, Function>, specs: Vec<FunctionSpec>) -> (HashMap<String, Function>, Reloaded) {
    let mut summary = Reloaded::default();
    let mut functions = HashMap::new();
    for spec in specs {
        let id = spec.logical_id.clone();
        let f = match old.get(&id) {
            Some(f) if *f.spec() == spec => {
                summary.kept.push(id.clone());
                f.clone()
            }
            Some(_) => {
                summary.restarted.push(id.clone());
                Function::new(spec)
            }
            None => {
                summary.added.push(id.clone());
                Function::new(spec)
            }
        };
        functions.insert(id, f);
    }
    summary.removed = old.keys().filter(|id| !functions.contains_key(*id)).cloned().collect();
    for list in [&mut summary.restarted, &mut summary.added, &mut summary.removed, &mut summary.kept] {
        list.sort();
    }
    (functions, summary)
}

impl std::fmt::Display for Reloaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "app reloaded: front doors rebuilt")?;
        for (what, ids) in [("restarted", &self.restarted), ("started", &self.added), ("stopped", &self.removed)] {
            if !ids.is_empty() {
                write!(f, "; {what} {}", ids.join(", "))?;
            }
        }
        write!(f, "; {} function(s) unchanged", self.kept.len())
    }
}
