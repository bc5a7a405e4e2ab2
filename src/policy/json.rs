//! The JSON form of a policy's actions ([`ToJson`]): what `execward list
//! --json` prints, and what `Action` serializes to with feature `serde`.

use super::{Action, Param, Policy};
use crate::json::{Json, ToJson};
use crate::template::Arity;

impl ToJson for Param {
    /// `{"name","type","definition","arity","stdin"}`: `type` as written,
    /// `definition` the resolved type (`enum nginx postfix`), `arity`
    /// `one`, `optional` or `variadic`, `stdin` true for a placeholder of
    /// the `stdin` template.
    fn to_json(&self) -> Json {
        Json::Obj(vec![
            ("name", Json::str(&self.name)),
            ("type", Json::str(&self.type_name)),
            ("definition", Json::str(self.ty.to_string())),
            (
                "arity",
                Json::str(match self.arity {
                    Arity::One => "one",
                    Arity::Optional => "optional",
                    Arity::Variadic => "variadic",
                }),
            ),
            ("stdin", Json::Bool(self.in_stdin)),
        ])
    }
}

impl ToJson for Action {
    /// `{"name","usage","params","run_as","timeout_ms"}` (`run_as`:
    /// `USER[:GROUP]`, or `null` for the caller).
    fn to_json(&self) -> Json {
        Json::Obj(vec![
            ("name", Json::str(&self.name)),
            ("usage", Json::str(self.usage())),
            (
                "params",
                Json::Arr(self.params.iter().map(Param::to_json).collect()),
            ),
            (
                "run_as",
                Json::opt(self.run_as.as_ref(), |r| Json::str(r.to_string())),
            ),
            ("timeout_ms", Json::UInt(self.timeout.as_millis() as u64)),
        ])
    }
}

impl ToJson for Policy {
    /// `{"actions":[...]}` (each as [`Action`]'s form).
    fn to_json(&self) -> Json {
        Json::Obj(vec![(
            "actions",
            Json::Arr(self.actions.iter().map(Action::to_json).collect()),
        )])
    }
}

crate::json::serialize_as_json!(Param, Action, Policy);
