//! The events that start and meet clocks, and which of them a case change fires.

use lachan_policy::named_enum;

use crate::{ActionKind, ActionOutcome, Channel, Risk};

named_enum!(
    /// Something that happens on a case and may start or meet a clock (`starts_on` / `met_on`
    /// in `data/clocks.toml`, whose header says precisely when each fires).
    ClockEvent, "clock event", {
        /// The case opened with risk emergency, or its risk was raised to emergency.
        RiskEmergency => "risk_emergency",
        /// An emergency intervention action was recorded.
        ActionEmergencyIntervention => "action_emergency_intervention",
        /// A takedown request action was recorded (per action).
        TakedownRequested => "takedown_requested",
        /// That takedown request's outcome was set to done (per action).
        TakedownDone => "takedown_done",
        /// A report from a person (phone, Zalo, e-mail, web form) became part of the case.
        ComplaintFiled => "complaint_filed",
        /// Any action was recorded on the case.
        ActionRecorded => "action_recorded",
    }
);

impl ClockEvent {
    /// True for events about one action: a clock they start belongs to that action and is met
    /// only by the same action's event.
    pub fn is_per_action(self) -> bool {
        matches!(
            self,
            ClockEvent::TakedownRequested | ClockEvent::TakedownDone
        )
    }

    /// The event fired when a report of `channel` becomes part of a case (opened with it, or
    /// joined to it): [`ClockEvent::ComplaintFiled`] for complaint channels.
    pub fn on_report(channel: Channel) -> Option<ClockEvent> {
        channel.is_complaint().then_some(ClockEvent::ComplaintFiled)
    }

    /// The event fired when a case gets the risk `risk`: `previous` is `None` when the case is
    /// being opened. Only a change into emergency fires [`ClockEvent::RiskEmergency`].
    pub fn on_risk(previous: Option<Risk>, risk: Risk) -> Option<ClockEvent> {
        (risk == Risk::Emergency && previous != Some(Risk::Emergency))
            .then_some(ClockEvent::RiskEmergency)
    }

    /// The events fired when an action of `kind` is recorded.
    pub fn on_action(kind: ActionKind) -> &'static [ClockEvent] {
        match kind {
            ActionKind::EmergencyIntervention => &[
                ClockEvent::ActionRecorded,
                ClockEvent::ActionEmergencyIntervention,
            ],
            ActionKind::TakedownRequest => {
                &[ClockEvent::ActionRecorded, ClockEvent::TakedownRequested]
            }
            ActionKind::Counselling | ActionKind::Referral | ActionKind::FollowUp => {
                &[ClockEvent::ActionRecorded]
            }
        }
    }

    /// The event fired when an action of `kind` gets the outcome `outcome`: only a takedown
    /// request set to done (content removed) fires [`ClockEvent::TakedownDone`].
    pub fn on_outcome(kind: ActionKind, outcome: ActionOutcome) -> Option<ClockEvent> {
        (kind == ActionKind::TakedownRequest && outcome == ActionOutcome::Done)
            .then_some(ClockEvent::TakedownDone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complaint_channels_file_complaints() {
        for &channel in Channel::ALL {
            let fired = ClockEvent::on_report(channel);
            assert_eq!(fired.is_some(), channel.is_complaint(), "{channel}");
        }
        assert_eq!(
            ClockEvent::on_report(Channel::WebForm),
            Some(ClockEvent::ComplaintFiled)
        );
        assert_eq!(ClockEvent::on_report(Channel::Platform), None);
    }

    #[test]
    fn only_entering_emergency_fires() {
        assert_eq!(
            ClockEvent::on_risk(None, Risk::Emergency),
            Some(ClockEvent::RiskEmergency)
        );
        assert_eq!(
            ClockEvent::on_risk(Some(Risk::High), Risk::Emergency),
            Some(ClockEvent::RiskEmergency)
        );
        assert_eq!(
            ClockEvent::on_risk(Some(Risk::Emergency), Risk::Emergency),
            None
        );
        assert_eq!(ClockEvent::on_risk(Some(Risk::Emergency), Risk::Low), None);
        assert_eq!(ClockEvent::on_risk(None, Risk::High), None);
    }

    #[test]
    fn every_action_is_recorded_and_some_fire_more() {
        for &kind in ActionKind::ALL {
            assert_eq!(ClockEvent::on_action(kind)[0], ClockEvent::ActionRecorded);
        }
        assert!(
            ClockEvent::on_action(ActionKind::EmergencyIntervention)
                .contains(&ClockEvent::ActionEmergencyIntervention)
        );
        assert!(
            ClockEvent::on_action(ActionKind::TakedownRequest)
                .contains(&ClockEvent::TakedownRequested)
        );
        assert_eq!(ClockEvent::on_action(ActionKind::Referral).len(), 1);
    }

    #[test]
    fn only_a_removed_takedown_is_done() {
        for &kind in ActionKind::ALL {
            for &outcome in ActionOutcome::ALL {
                let done = kind == ActionKind::TakedownRequest && outcome == ActionOutcome::Done;
                assert_eq!(
                    ClockEvent::on_outcome(kind, outcome),
                    done.then_some(ClockEvent::TakedownDone)
                );
            }
        }
        assert!(ClockEvent::TakedownDone.is_per_action());
        assert!(!ClockEvent::ActionRecorded.is_per_action());
    }
}
