# podpora — English (the complete catalogue and the fallback for every other language).

app-name = podpora
nav-inbox = Inbox
nav-admin = Admin
nav-account = My account
nav-logout = Log out
nav-notifications = Notifications
notification-mention = { $name } mentioned you
notification-rule = rule “{ $rule }”

login-title = Log in
login-email = Email
login-password = Password
login-submit = Log in
login-failed = The email or password is not right.
login-throttled = Too many failed logins. Wait a few minutes and try again.
login-disabled = This account is disabled.

csrf-failed = This form expired or came from another site. Reload the page and try again.
not-found = Not found, or you may not see it.
forbidden = You may not do this.
error-title = Something went wrong
error-invalid-address = "{ $value }" is not a valid email address.
error-invalid-number = "{ $value }" is not a ticket number.
error-unknown-value = Unknown { $kind }: { $value }.
error-template = The template has a mistake: { $detail }
error-unknown-language = Unknown language.
error-one-tag = Rename to one tag at a time.
error-tag = A tag must be 1 to 64 printable characters.
error-reply-or-note = Choose a reply or an internal note.
error-unknown-agent = Unknown agent.
error-reminder = The reminder is not a date and time.
error-unknown-team = Unknown team.
error-unknown-snooze = Unknown snooze time.
error-choose-colleague = Choose a colleague.
error-attachments-size = Attachments may total at most { $mb } MB.
error-unknown-action = Unknown action.
error-name-required = A name is required.
error-password-short = The password must have at least 10 characters.
error-capacity = The capacity is a number of tickets from 0 to { $max }.
error-language-code = "{ $code }" is not a language code (two or three letters, such as cs, sk, en).
error-storage = The database is not available right now. Try again in a moment.
error-detail = { $detail }
error-admin-only = Only an admin may do this.
error-light-agent-status = A light agent may not change a ticket's status, merge or split tickets.
error-agent-no-access = { $name } may not see this ticket's mailbox; give them the mailbox first.
error-merge-itself = A ticket cannot be merged into itself.
error-split-first = The first message cannot be split off: it is the ticket itself.
error-file-name = Every attachment needs a file name.
error-content-type = "{ $value }" is not a content type.
error-too-long = The { $field } may have at most { $max } characters.
error-channel = A ticket written in comes through the "api" or "web" channel, not "{ $value }".
saved = Saved.

view-unassigned = Unassigned
view-mine = Mine
view-open = All open
view-pending = Pending
view-solved = Solved
view-closed = Closed
view-all = All
view-mailbox = Mailbox
view-team = Team
view-tag = Tag

inbox-search = Search tickets, customers, #number
inbox-search-submit = Search
inbox-sort-oldest = Oldest first
inbox-sort-newest = Newest first
inbox-empty = No tickets here.
inbox-next = Next page
inbox-first = First page
inbox-new-arrived = New or changed tickets — refresh
inbox-bulk-selected = With selected:
inbox-bulk-apply = Apply
inbox-filter-any-priority = Any priority
tickets-count = { $count ->
    [one] { $count } ticket
   *[other] { $count } tickets
}

bulk-assign-me = Assign to me
bulk-assign-to = Assign to
bulk-unassign = Unassign
bulk-close = Close
bulk-solve = Mark solved
bulk-tag = Add tag
bulk-merge = Merge into the oldest
bulk-done = { $count ->
    [one] { $count } ticket changed.
   *[other] { $count } tickets changed.
}
bulk-none = Select at least one ticket.
bulk-merge-needs-two = Select at least two tickets to merge.

col-number = Number
col-subject = Subject
col-customer = Customer
col-status = Status
col-assignee = Assignee
col-updated = Updated
col-priority = Priority

status-new = New
status-open = Open
status-pending = Pending
status-solved = Solved
status-closed = Closed

priority-low = Low
priority-normal = Normal
priority-high = High
priority-urgent = Urgent

ticket-title = Ticket { $number }
ticket-from = From
ticket-to = To
ticket-cc = Cc
ticket-note = Internal note
ticket-quoted = Show quoted text
ticket-signature = Signature
ticket-raw = Original (.eml)
ticket-formatted = Formatted
ticket-images-blocked = Remote images are blocked.
ticket-images-show = Show images
ticket-attachments = Attachments
ticket-delivery-queued = queued
ticket-delivery-sent = sent
ticket-delivery-failed = failed: { $error }
ticket-related = Related to { $number }
ticket-merged-into = Merged into { $number }
ticket-properties = Properties
ticket-status = Status
ticket-assignee = Assignee
ticket-nobody = Nobody
ticket-team = Team
ticket-no-team = No team
ticket-priority = Priority
ticket-tags = Tags
ticket-tags-hint = comma-separated
ticket-remind = Remind me at
ticket-save = Save
ticket-merge = Merge into ticket
ticket-merge-submit = Merge
ticket-merge-done = Merged into { $number }.
ticket-split = Split into a new ticket
ticket-snooze = Snooze
ticket-snooze-1h = 1 hour
ticket-snooze-tomorrow = Until tomorrow 9:00
ticket-snooze-week = 1 week
ticket-handover = Hand over
ticket-handover-to = To
ticket-handover-note = What the next person should know
ticket-handover-submit = Hand over
ticket-changed = This ticket changed since you opened it — reload
ticket-activity = Activity
ticket-viewing = Also here:
ticket-typing = typing a reply…
ticket-messages-count = { $count ->
    [one] { $count } message
   *[other] { $count } messages
}

reply-title = Reply
reply-note-title = Internal note
reply-body = Message
reply-to-participants = Recipients
reply-cc = Cc
reply-bcc = Bcc
reply-attach = Attach files
reply-send = Send reply
reply-add-note = Add note
reply-template = Insert a canned reply
reply-template-none = No canned replies yet.
reply-collision = { $name } replied to this ticket after you opened it. Read their reply below; send yours anyway?
reply-send-anyway = Send anyway
reply-sent = Reply queued for delivery.
reply-noted = Note added.
reply-empty = Write a message first.
reply-light-agent = A light agent may add internal notes only.
reply-no-outbound = No relay is configured: outgoing mail is written as .eml files under the data folder.

customer-title = Customer
customer-name = Name
customer-addresses = Addresses
customer-organisation = Organisation
customer-notes = Notes about the customer
customer-language = Language
customer-other-tickets = Other tickets
customer-none = No other tickets.
customer-save = Save customer

activity-status = changed the status from { $from } to { $to }
activity-assign = assigned it to { $to }
activity-unassign = removed the assignee
activity-tags = changed tags: { $detail }
activity-team = gave it to the team { $team }
activity-team-clear = took it from its team
activity-priority = changed the priority from { $from } to { $to }
activity-remind = set a reminder for { $when }
activity-remind-clear = cleared the reminder
activity-reminder = The reminder was due: back in the queue.
activity-reply = replied to the customer
activity-note = added a note
activity-merged-into = merged this ticket into { $number }
activity-merged-from = merged ticket { $number } into this one
activity-split-to = split messages off into { $number }
activity-split-from = split this ticket off { $number }
activity-handover = handed over to { $to }: { $note }
activity-customer = edited the customer
activity-system = podpora

account-title = My account
account-language = Language
account-status = Availability
account-status-help = Colleagues and routing see whether you are there to take work.
agent-status-online = Online
agent-status-away = Away
agent-status-off = Off shift
account-password = Change password
account-password-current = Current password
account-password-new = New password (at least 10 characters)
account-password-wrong = The current password is not right.
account-password-changed = Password changed. Your other sessions were logged out.
account-save = Save

canned-title = Canned replies
canned-name = Name
canned-body = Text
canned-shared = Shared with everyone
canned-personal = Personal
canned-add = Add canned reply
canned-delete = Delete
canned-variables = Variables: { $list }

admin-title = Administration
outbox-queued = Waiting to be sent
outbox-sent = Sent
outbox-failed = Failed
outbox-retrying = Waiting to be tried again
outbox-oldest = The oldest unsent mail waits since
admin-agents = Agents
admin-teams = Teams
admin-team-name = Team name
admin-team-lead = Team lead
admin-team-lead-help = Warned before a ticket of the team misses its target; escalations go to them. A lead who is not a member becomes one.
admin-team-add = Add team
admin-mailboxes = Mailboxes
admin-outbound = Outgoing mail
admin-add-agent = Add agent
admin-agent-email = Email
admin-agent-name = Name
admin-agent-role = Role
admin-agent-password = Initial password (at least 10 characters)
admin-agent-disabled = Disabled
admin-agent-all-mailboxes = All mailboxes
admin-agent-mailboxes = Mailboxes
admin-agent-save = Save
admin-agent-created = Agent created.
admin-cannot-demote-self = You cannot remove your own admin role or disable yourself.
admin-mailbox-address = Address
admin-mailbox-name = Name
admin-mailbox-imap = IMAP URL
admin-mailbox-imap-kept = leave empty to keep the saved one
admin-mailbox-add = Add mailbox
admin-mailbox-test = Test connection
admin-mailbox-test-ok = Connected: { $detail }
admin-mailbox-test-failed = Connection failed: { $detail }
admin-mailbox-health = Last fetch { $when }, { $count } fetched
admin-mailbox-never = never fetched
admin-mailbox-error = Last error: { $error }
admin-mailbox-signature = Signature
admin-ack-enabled = Send an automatic acknowledgement
admin-ack-subject = Acknowledgement subject
admin-ack-body = Acknowledgement text
admin-support-hours = Support hours
admin-response-time = Expected response time
admin-alternative-contacts = Alternative contacts
admin-tags = Tags in use
admin-tag-rename = Rename
admin-tag-delete = Remove everywhere
admin-set-aside = Set-aside mail
admin-reprocess = Reprocess

admin-overview = Overview
admin-mail = Mail
admin-agents-help = Who works in the helpdesk. Agents see the tickets of the mailboxes they are given; light agents may add internal notes but never write to customers; admins see and set up everything.
admin-agent-role-help = Admin: everything. Agent: answers customers. Light agent: internal notes only.
admin-agent-mailboxes-help = The mailboxes whose tickets this agent sees and is assigned.
admin-agent-disabled-help = A disabled agent cannot log in; their sessions end at once. Their work stays.
admin-agent-capacity = Capacity
admin-agent-capacity-help = How many open tickets the agent takes at once; assignment by load counts against it.
admin-agent-languages = Languages
admin-agent-languages-help = Language codes the agent answers in, separated by commas (cs, sk, en).
admin-agent-skills = Skills
admin-agent-hours = Working hours
admin-agent-hours-help = For example "mon-fri 09:00-17:00, sat 10:00-14:00", and the time zone (Europe/Prague). Outside these hours the agent counts as off shift. Empty: their status alone counts.
admin-agent-time-zone = Time zone
admin-teams-help = A ticket given to a team shows in that team's view of the inbox.
admin-tags-help = Renaming a tag into one that exists merges them; removing takes it off every ticket.
admin-tags-none = No tags in use yet.
admin-mailboxes-help = Each support address that customers write to.
admin-mailbox-smtp-help = Mail can reach it through the SMTP listener at { $addr }, an MTA pipe (podpora ingest), or IMAP fetching.
admin-mailbox-smtp-off = The SMTP listener is off: mail reaches it through IMAP fetching or an MTA pipe (podpora ingest).
admin-mailbox-no-imap = No IMAP fetching: mail comes through the SMTP listener or a pipe.
admin-mailbox-imap-help = imap://user:password@host:143/INBOX or imaps://…:993/INBOX; the password is stored and never shown again.
admin-mailbox-name-help = Shown to customers as the sender ("Jana (Shop Support)"); the address when empty.
admin-ack-help = Sent once for each new ticket, never to automatic mail, at most 3 times an hour per sender.
admin-ack-default = empty: the default text in the customer's language
admin-ack-variables = Variables: { $list }
admin-set-aside-help = Mail that could not become a ticket (unparsable, bounces, mail loops). Nothing is lost: each can be downloaded as received and processed again.
admin-set-aside-none = No mail is set aside.
setup-done = Done
setup-warning = Check
setup-missing = Missing
setup-no-mailbox = No support address yet: add one so that mail becomes tickets.
setup-mailboxes = Support addresses: { $list }.
setup-imap-error = { $address } cannot fetch its mail: { $error }
setup-smtp-tls = The SMTP listener at { $addr } offers STARTTLS.
setup-smtp-local = The SMTP listener at { $addr } takes mail from this machine only (an MTA in front of it, or tests).
setup-smtp-no-tls = The SMTP listener at { $addr } takes mail from the network without TLS: set PODPORA_SMTP_TLS_CERT and PODPORA_SMTP_TLS_KEY.
setup-smtp-off = The SMTP listener is off; mail comes by IMAP or an MTA pipe.
setup-relay = Outgoing mail goes to { $relay }.
setup-no-relay = No relay for outgoing mail: { $detail }. Customers receive nothing until PODPORA_SMTP_RELAY is set.
setup-failed-mail = { $count ->
    [one] One outgoing mail failed.
   *[other] { $count } outgoing mails failed.
}
setup-set-aside = { $count ->
    [one] One received mail is set aside.
   *[other] { $count } received mails are set aside.
}
setup-public-url-unset = Links in mail point to { $url }, made from the HTTP address: set PODPORA_PUBLIC_URL to the address customers and agents use.
setup-public-url-http = The public URL { $url } is plain http: put podpora behind https.
setup-public-url = The public URL is { $url }.
setup-agents = { $count } agents can log in.
setup-only-you = You are the only agent: add your colleagues.
error-imap-url = The IMAP URL is not usable: { $detail }
error-ack-subject = The acknowledgement subject has a mistake: { $detail }
role-admin = Admin
role-agent = Agent
role-light_agent = Light agent

time-just-now = just now
time-minutes-ago = { $n } min ago
time-hours-ago = { $n } h ago
time-days-ago = { $n } d ago

keys-help = Keys: j/k move, Enter open, r reply, n note, a assign, / search

# Customer-facing mail
reply-quote-header = On { $when }, { $who } wrote:
ack-customer = customer
ack-no-articles = - (our help centre is being written)
ack-default-hours = Monday to Friday
ack-default-response-time = one business day
ack-subject = { $ticket_tag } We have received your message: { $subject }
ack-body = Hello { $customer_name },

    thank you for writing to { $mailbox_name }. Your request has been registered as ticket { $ticket_number }.

    Our support hours: { $support_hours }
    { $expected }

    If it is urgent, you can also reach us: { $alternative_contacts }

    These articles may already answer your question:
    { $help_articles }

    To add anything, simply reply to this email and keep the ticket number in the subject.
routing-turn = round-robin: next of { $available } available
routing-load = least loaded: { $open } of { $capacity } open tickets
routing-sticky = sticky: answered them { $days ->
    [0] today
    [1] yesterday
   *[other] { $days } days ago
}
routing-manager-customer = account manager of the customer
routing-manager-organisation = account manager of the organisation
routing-rule = rule “{ $rule }”
routing-nobody = nobody available: waits in the queue
routing-language = speaks { $language }
routing-skills = skills { $skills }
routing-missed-helper = { $agent }, who answered last, is not available
routing-missed-no-helper = nobody answered them in the last { $days } days
routing-missed-no-manager = no account manager
routing-missed-manager-elsewhere = the account manager { $agent } does not work here
activity-routed = assigned it to { $to }: { $why }
activity-routed-wait = { $why }
routing-by-hand = assigned by hand
activity-rule = rule “{ $rule }” ran
activity-rule-failed = a rule could not act: { $detail }
error-rule-unknown-id = no such team, mailbox or active agent: { $id }
error-rule-unknown-canned = no shared canned reply { $id }
activity-released = took it from { $from }, who went off shift, before a first answer
customer-account-manager = Account manager
error-sticky-days = The sticky window is 1 to 365 days.
admin-routing = Routing
admin-routing-help = Who gets a new ticket. Agents who take work are online and below their capacity (set on the Agents page); every decision is written to the ticket's activity with its reason.
admin-routing-no-mailboxes = No support address yet.
admin-routing-teams-help = A team's policy decides for tickets given to the team (by a person or, later, a rule); when it is manual, the mailbox's policy decides.
admin-routing-policy = Assignment
admin-routing-policy-help = Round robin takes turns; least loaded picks the lowest share of capacity; sticky sends a returning customer to the agent who answered them last; account manager sends a customer to their own manager.
admin-routing-fallback = When sticky or account manager cannot decide
admin-routing-fallback-help = No earlier answer within the window, that agent is not available, or the customer has no manager.
admin-routing-sticky-days = Sticky window (days)
admin-routing-by-language = Prefer agents who speak the customer's language
admin-routing-off-shift = An agent going off shift gives back tickets not answered yet
policy-manual = Manual only
policy-round_robin = Round robin
policy-least_loaded = Least loaded
policy-sticky = Sticky customer
policy-account_manager = Account manager
admin-rules = Rules
admin-rules-help = Rules change tickets by themselves: when a ticket is created, when it changes (the customer writes, an agent replies or changes it), or on a schedule. They run in this order; each sees what the ones before it changed, and what rules change never starts them again.
admin-rules-add = Add a rule
admin-rules-none = No rules yet.
admin-rule-name = Name
admin-rule-trigger = Runs
admin-rule-trigger-help = On a schedule: checked every half minute on tickets that are not closed; a rule acts on a ticket once until the ticket changes again. It needs “idle hours” or “age in hours” at least.
admin-rule-conditions = Conditions
admin-rule-conditions-help = All must hold (none: every ticket). A list is comma-separated and any of its values matches. Words match where a word starts, without case or accents. Mailboxes, teams and agents by their id (shown on their admin pages).
admin-rule-actions = Actions
admin-rule-actions-help = Assign: “policy” (by the team’s or mailbox’s policy), “nobody” or an agent’s id. Team: its id, empty for none. Canned reply: the id of a shared one. Notify: “assignee”, “team_lead” or agent ids.
admin-rule-enabled = On
admin-rule-off = off
admin-rule-stop = stops
admin-rule-stop-label = When it acts, skip the rules after it
admin-rule-every-ticket = every ticket
admin-rule-up = Up
admin-rule-down = Down
admin-rule-delete = Remove
admin-rule-field = Field
admin-rule-op = Comparison
admin-rule-value = Value
admin-rule-action = Action
admin-rule-dry-run = Dry run
admin-rule-dry-run-result = It would act on { $matched } of the { $checked } newest tickets that are not closed.
rule-trigger-created = when a ticket is created
rule-trigger-updated = when a ticket changes
rule-trigger-schedule = on a schedule
rule-field-channel = channel
rule-field-mailbox = mailbox
rule-field-sender = sender
rule-field-sender_domain = sender’s domain
rule-field-organisation = organisation
rule-field-subject = subject
rule-field-body = customer’s text
rule-field-language = language
rule-field-customer_name = customer’s name
rule-field-customer_tickets = customer’s tickets
rule-field-account_manager = account manager
rule-field-tag = tag
rule-field-priority = priority
rule-field-status = status
rule-field-team = team
rule-field-assignee = assignee
rule-field-idle_hours = idle hours
rule-field-age_hours = age in hours
rule-field-event = what happened
rule-op-is = is
rule-op-is_not = is not
rule-op-contains = contains
rule-op-not_contains = does not contain
rule-op-at_least = at least
rule-op-at_most = at most
rule-op-set = is set
rule-op-not_set = is not set
rule-action-set_team = set team
rule-action-assign = assign
rule-action-add_tag = add tags
rule-action-remove_tag = remove tags
rule-action-set_priority = set priority
rule-action-set_status = set status
rule-action-send_reply = send canned reply
rule-action-add_note = add note
rule-action-notify = notify
error-domain = not a mail domain: { $value }
error-organisation-taken = another organisation has this { $what }
inbox-filter-any-organisation = Any organisation
admin-organisations = Organisations
admin-organisations-help = Companies your customers write for. Mail from an organisation’s domains (and their subdomains) belongs to it: new customers join it, and so do those already there when a domain is added. With the account-manager policy its customers’ tickets go to its manager (a customer’s own manager comes first). Agents link a customer on the ticket’s customer panel.
admin-organisation-add = Add an organisation
admin-organisation-name = Name
admin-organisation-domains = Mail domains
admin-organisation-domains-help = Comma-separated, e.g. firma.cz, firma.sk.
admin-organisation-manager-help = Gets its customers’ tickets under the account-manager policy.
admin-organisation-customers = { $count } customers
error-overflow-after = an overflow needs a number of waiting tickets from 1 to 10000
error-overflow-team = a team overflows to another team
activity-overflow = passed from { $from } to { $to }: more than { $after } were waiting
admin-routing-overflow-team = Overflow to
admin-routing-overflow-after = When more are waiting than
admin-routing-overflow-help = When more of this team’s tickets wait for someone (unassigned, new or open) than the number below, the next one given to it goes to this team instead (and is decided by that team’s policy).
error-calendar-in-use = an SLA policy uses this calendar
ack-expected-within = We usually answer within { $response_time }.
ack-expected-by = We will answer by { $answer_by }.
ack-answer-by = { $weekday } { $day } { $month_name } { $year }, { $time } ({ $zone } time)
weekday-1 = Monday
weekday-2 = Tuesday
weekday-3 = Wednesday
weekday-4 = Thursday
weekday-5 = Friday
weekday-6 = Saturday
weekday-7 = Sunday
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
sla-first-response = first response
sla-next-response = next response
sla-resolution = resolution
routing-escalated-warning = escalated to the team lead: the { $metric } is about to be missed
routing-escalated-breach = escalated to the team lead: the { $metric } was missed
notification-sla-warning = { $metric } due { $due }
notification-sla-warning-soon = { $metric } due soon
notification-sla-breach = { $metric } missed
notification-escalation = escalated to you: { $metric } missed or about to be
notice-body =
    { $line }.

    Ticket #{ $number }: { $subject }
    { $link }

    You get this mail from the helpdesk because the ticket is yours or your team's. You can turn these mails off on your account page: { $account }
activity-sla-breach = missed the { $metric } target (due { $due })
sla-due-in = { $time } left
sla-overdue = overdue by { $time }
sla-paused = paused: waiting on the customer
sla-met = met
sla-met-late = met late
sla-due-column = Due
inbox-sort-due = Due first
account-mail-notifications = Also send me SLA warnings and escalations by mail
admin-sla = Business hours & SLAs
admin-sla-help = A calendar says when the team works; an SLA policy sets how soon tickets of its mailboxes must be answered and solved, counted in the calendar's working time. The inbox shows the time left; the assignee and the team lead are told before a target is missed and when it is.
admin-calendars = Calendars
admin-calendars-none = No calendar yet.
admin-calendar-add = Add a calendar
admin-calendar-name = Name
admin-calendar-zone = Time zone
admin-calendar-week = Business hours
admin-calendar-week-help = Days and hours, e.g. "mon-fri 09:00-17:00, sat 10:00-14:00"; 22:00-06:00 runs past midnight.
admin-calendar-holidays = Holidays
admin-calendar-holidays-help = One per line, a date and a name: 2026-12-24 Christmas Eve. The clock does not run on these days.
admin-calendar-public = Add public holidays
admin-calendar-public-help = Adds the country's public holidays of this year to the list; the days there already stay.
admin-calendar-country = Country
admin-calendar-year = Year
country-cz = Czechia
country-pl = Poland
country-ru = Russia
admin-sla-policies = SLA policies
admin-sla-policies-none = No SLA policy yet: tickets are not measured.
admin-sla-policy-add = Add an SLA policy
admin-sla-calendar-first = Add a calendar first: a policy counts time in a calendar's business hours.
admin-sla-policy-calendar = Calendar
admin-sla-policy-calendar-help = Targets count only this calendar's business hours.
admin-sla-targets = Targets
admin-sla-targets-help = Business time: 30m, 8h, 1h30m (three 8-hour days are 24h). The most specific row for a ticket's channel and priority wins; "any" fits every one. Leave a time empty for no target.
admin-sla-channel = Channel
admin-sla-priority = Priority
admin-sla-any = any
admin-sla-policy-warn = Warn before
admin-sla-policy-warn-help = How long before a due time the assignee and the team lead are told (e.g. 30m, 1h).
admin-sla-policy-escalate = Escalate to the team lead
admin-sla-policy-escalate-help = Gives the ticket to its team's lead, with the reason in its log.
admin-sla-escalate-off = never; only tell them
admin-sla-escalate-warning = when a target is about to be missed
admin-sla-escalate-breach = when a target is missed
admin-sla-policy-mailboxes = Mailboxes measured
admin-sla-policy-mailboxes-help = A mailbox is measured by one policy: ticking it here takes it from any other.
channel-email = Email
channel-api = API
channel-web = Web form
channel-chat = Chat
notice-rule = Rule “{ $rule }” asks you to look at this ticket
