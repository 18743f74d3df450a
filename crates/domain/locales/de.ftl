# podpora — Deutsch

app-name = podpora
nav-inbox = Posteingang
nav-admin = Verwaltung
nav-account = Mein Konto
nav-logout = Abmelden
nav-notifications = Benachrichtigungen
notification-mention = { $name } hat Sie erwähnt
notification-rule = Regel „{ $rule }“

login-title = Anmelden
login-email = E-Mail
login-password = Passwort
login-submit = Anmelden
login-failed = E-Mail-Adresse oder Passwort stimmen nicht.
login-throttled = Zu viele fehlgeschlagene Anmeldungen. Warten Sie ein paar Minuten und versuchen Sie es erneut.
login-disabled = Dieses Konto ist gesperrt.

csrf-failed = Dieses Formular ist abgelaufen oder kam von einer anderen Website. Laden Sie die Seite neu und versuchen Sie es erneut.
not-found = Nicht gefunden, oder Sie dürfen es nicht sehen.
forbidden = Das dürfen Sie nicht.
error-title = Etwas ist schiefgelaufen
error-invalid-address = „{ $value }“ ist keine gültige E-Mail-Adresse.
error-invalid-number = „{ $value }“ ist keine Ticketnummer.
error-unknown-value = Unbekannter Wert ({ $kind }): { $value }.
error-template = Die Vorlage enthält einen Fehler: { $detail }
error-unknown-language = Unbekannte Sprache.
error-one-tag = Benennen Sie immer nur ein Schlagwort auf einmal um.
error-tag = Ein Schlagwort hat 1 bis 64 druckbare Zeichen.
error-reply-or-note = Wählen Sie eine Antwort oder eine interne Notiz.
error-unknown-agent = Unbekannter Agent.
error-reminder = Die Erinnerung ist kein Datum mit Uhrzeit.
error-unknown-team = Unbekanntes Team.
error-unknown-snooze = Unbekannte Zurückstellzeit.
error-choose-colleague = Wählen Sie eine Kollegin oder einen Kollegen.
error-attachments-size = Anhänge dürfen zusammen höchstens { $mb } MB groß sein.
error-unknown-action = Unbekannte Aktion.
error-name-required = Ein Name ist erforderlich.
error-password-short = Das Passwort muss mindestens 10 Zeichen haben.
error-capacity = Die Kapazität ist eine Anzahl Tickets von 0 bis { $max }.
error-language-code = „{ $code }“ ist kein Sprachcode (zwei oder drei Buchstaben, etwa de, cs, en).
error-storage = Die Datenbank ist gerade nicht erreichbar. Versuchen Sie es gleich noch einmal.
error-detail = { $detail }
error-admin-only = Das darf nur ein Admin.
error-light-agent-status = Ein eingeschränkter Agent darf den Status eines Tickets nicht ändern und keine Tickets zusammenführen oder aufteilen.
error-agent-no-access = { $name } sieht das Postfach dieses Tickets nicht; geben Sie zuerst das Postfach frei.
error-merge-itself = Ein Ticket kann nicht mit sich selbst zusammengeführt werden.
error-split-first = Die erste Nachricht lässt sich nicht abtrennen: Sie ist das Ticket selbst.
error-file-name = Jeder Anhang braucht einen Dateinamen.
error-content-type = „{ $value }“ ist kein Inhaltstyp.
error-too-long = Das Feld { $field } darf höchstens { $max } Zeichen haben.
error-channel = Ein erfasstes Ticket kommt über den Kanal „api“ oder „web“, nicht „{ $value }“.
saved = Gespeichert.

view-unassigned = Nicht zugewiesen
view-mine = Meine
view-open = Alle offenen
view-pending = Wartend
view-solved = Gelöst
view-closed = Geschlossen
view-all = Alle
view-mailbox = Postfach
view-team = Team
view-tag = Schlagwort

inbox-search = Tickets, Kunden, #Nummer suchen
inbox-search-submit = Suchen
inbox-sort-oldest = Älteste zuerst
inbox-sort-newest = Neueste zuerst
inbox-empty = Hier sind keine Tickets.
inbox-next = Nächste Seite
inbox-first = Erste Seite
inbox-new-arrived = Neue oder geänderte Tickets — aktualisieren
inbox-bulk-selected = Mit den ausgewählten:
inbox-bulk-apply = Anwenden
inbox-filter-any-priority = Jede Priorität
tickets-count = { $count ->
    [one] { $count } Ticket
   *[other] { $count } Tickets
}

bulk-assign-me = Mir zuweisen
bulk-assign-to = Zuweisen an
bulk-unassign = Zuweisung aufheben
bulk-close = Schließen
bulk-solve = Als gelöst markieren
bulk-tag = Schlagwort hinzufügen
bulk-merge = Im ältesten zusammenführen
bulk-done = { $count ->
    [one] { $count } Ticket geändert.
   *[other] { $count } Tickets geändert.
}
bulk-none = Wählen Sie mindestens ein Ticket.
bulk-merge-needs-two = Wählen Sie zum Zusammenführen mindestens zwei Tickets.

col-number = Nummer
col-subject = Betreff
col-customer = Kunde
col-status = Status
col-assignee = Zuständig
col-updated = Geändert
col-priority = Priorität

status-new = Neu
status-open = Offen
status-pending = Wartend
status-solved = Gelöst
status-closed = Geschlossen

priority-low = Niedrig
priority-normal = Normal
priority-high = Hoch
priority-urgent = Dringend

ticket-title = Ticket { $number }
ticket-from = Von
ticket-to = An
ticket-cc = Cc
ticket-note = Interne Notiz
ticket-quoted = Zitierten Text anzeigen
ticket-signature = Signatur
ticket-raw = Original (.eml)
ticket-formatted = Formatiert
ticket-images-blocked = Externe Bilder sind blockiert.
ticket-images-show = Bilder anzeigen
ticket-attachments = Anhänge
ticket-delivery-queued = in der Warteschlange
ticket-delivery-sent = gesendet
ticket-delivery-failed = fehlgeschlagen: { $error }
ticket-related = Gehört zu { $number }
ticket-merged-into = Zusammengeführt in { $number }
ticket-properties = Eigenschaften
ticket-status = Status
ticket-assignee = Zuständig
ticket-nobody = Niemand
ticket-team = Team
ticket-no-team = Kein Team
ticket-priority = Priorität
ticket-tags = Schlagwörter
ticket-tags-hint = durch Kommas getrennt
ticket-remind = Erinnern am
ticket-save = Speichern
ticket-merge = In Ticket zusammenführen
ticket-merge-submit = Zusammenführen
ticket-merge-done = Zusammengeführt in { $number }.
ticket-split = In ein neues Ticket abtrennen
ticket-snooze = Zurückstellen
ticket-snooze-1h = 1 Stunde
ticket-snooze-tomorrow = Bis morgen 9:00
ticket-snooze-week = 1 Woche
ticket-handover = Übergeben
ticket-handover-to = An
ticket-handover-note = Was die nächste Person wissen sollte
ticket-handover-submit = Übergeben
ticket-changed = Dieses Ticket hat sich seit dem Öffnen geändert — neu laden
ticket-activity = Verlauf
ticket-viewing = Ebenfalls hier:
ticket-typing = schreibt eine Antwort…
ticket-messages-count = { $count ->
    [one] { $count } Nachricht
   *[other] { $count } Nachrichten
}

reply-title = Antworten
reply-note-title = Interne Notiz
reply-body = Nachricht
reply-to-participants = Empfänger
reply-cc = Cc
reply-bcc = Bcc
reply-attach = Dateien anhängen
reply-send = Antwort senden
reply-add-note = Notiz hinzufügen
reply-template = Textbaustein einfügen
reply-template-none = Noch keine Textbausteine.
reply-collision = { $name } hat auf dieses Ticket geantwortet, nachdem Sie es geöffnet haben. Lesen Sie die Antwort unten; Ihre trotzdem senden?
reply-send-anyway = Trotzdem senden
reply-sent = Antwort wartet auf den Versand.
reply-noted = Notiz hinzugefügt.
reply-empty = Schreiben Sie zuerst eine Nachricht.
reply-light-agent = Ein eingeschränkter Agent darf nur interne Notizen schreiben.
reply-no-outbound = Kein Relay eingerichtet: ausgehende Mails werden als .eml-Dateien im Datenordner abgelegt.

customer-title = Kunde
customer-name = Name
customer-addresses = Adressen
customer-organisation = Organisation
customer-notes = Notizen zum Kunden
customer-language = Sprache
customer-other-tickets = Weitere Tickets
customer-none = Keine weiteren Tickets.
customer-save = Kunden speichern

activity-status = hat den Status von { $from } auf { $to } geändert
activity-assign = hat es { $to } zugewiesen
activity-unassign = hat die Zuweisung aufgehoben
activity-tags = hat die Schlagwörter geändert: { $detail }
activity-team = hat es dem Team { $team } gegeben
activity-team-clear = hat es aus seinem Team genommen
activity-priority = hat die Priorität von { $from } auf { $to } geändert
activity-remind = hat eine Erinnerung für { $when } gesetzt
activity-remind-clear = hat die Erinnerung entfernt
activity-reminder = Die Erinnerung ist fällig: zurück in der Warteschlange.
activity-reply = hat dem Kunden geantwortet
activity-note = hat eine Notiz hinzugefügt
activity-merged-into = hat dieses Ticket in { $number } zusammengeführt
activity-merged-from = hat Ticket { $number } hier zusammengeführt
activity-split-to = hat Nachrichten in { $number } abgetrennt
activity-split-from = hat dieses Ticket von { $number } abgetrennt
activity-handover = hat an { $to } übergeben: { $note }
activity-customer = hat den Kunden bearbeitet
activity-system = podpora

account-title = Mein Konto
account-language = Sprache
account-status = Verfügbarkeit
account-status-help = Kolleginnen, Kollegen und die Zuweisung sehen, ob Sie da sind und Arbeit annehmen.
agent-status-online = Online
agent-status-away = Abwesend
agent-status-off = Außer Dienst
account-password = Passwort ändern
account-password-current = Aktuelles Passwort
account-password-new = Neues Passwort (mindestens 10 Zeichen)
account-password-wrong = Das aktuelle Passwort stimmt nicht.
account-password-changed = Passwort geändert. Ihre anderen Sitzungen wurden abgemeldet.
account-save = Speichern

canned-title = Textbausteine
canned-name = Name
canned-body = Text
canned-shared = Für alle
canned-personal = Persönlich
canned-add = Textbaustein hinzufügen
canned-delete = Löschen
canned-variables = Variablen: { $list }

admin-title = Verwaltung
outbox-queued = Wartet auf Versand
outbox-sent = Gesendet
outbox-failed = Fehlgeschlagen
outbox-retrying = Wartet auf erneuten Versuch
outbox-oldest = Die älteste ungesendete Mail wartet seit
admin-agents = Agenten
admin-teams = Teams
admin-team-name = Teamname
admin-team-lead = Teamleitung
admin-team-lead-help = Wird gewarnt, bevor ein Ticket des Teams sein Ziel verfehlt; Eskalationen gehen an sie. Eine Teamleitung, die nicht Mitglied ist, wird es.
admin-team-add = Team hinzufügen
admin-mailboxes = Postfächer
admin-outbound = Ausgehende Mail
admin-add-agent = Agent hinzufügen
admin-agent-email = E-Mail
admin-agent-name = Name
admin-agent-role = Rolle
admin-agent-password = Anfangspasswort (mindestens 10 Zeichen)
admin-agent-disabled = Gesperrt
admin-agent-all-mailboxes = Alle Postfächer
admin-agent-mailboxes = Postfächer
admin-agent-save = Speichern
admin-agent-created = Agent angelegt.
admin-cannot-demote-self = Sie können sich nicht selbst die Admin-Rolle nehmen oder sich sperren.
admin-mailbox-address = Adresse
admin-mailbox-name = Name
admin-mailbox-imap = IMAP-URL
admin-mailbox-imap-kept = leer lassen, um die gespeicherte zu behalten
admin-mailbox-add = Postfach hinzufügen
admin-mailbox-test = Verbindung testen
admin-mailbox-test-ok = Verbunden: { $detail }
admin-mailbox-test-failed = Verbindung fehlgeschlagen: { $detail }
admin-mailbox-health = Zuletzt abgerufen { $when }, { $count } abgerufen
admin-mailbox-never = noch nie abgerufen
admin-mailbox-error = Letzter Fehler: { $error }
admin-mailbox-signature = Signatur
admin-ack-enabled = Automatische Eingangsbestätigung senden
admin-ack-subject = Betreff der Eingangsbestätigung
admin-ack-body = Text der Eingangsbestätigung
admin-support-hours = Servicezeiten
admin-response-time = Erwartete Antwortzeit
admin-alternative-contacts = Weitere Kontaktwege
admin-tags = Verwendete Schlagwörter
admin-tag-rename = Umbenennen
admin-tag-delete = Überall entfernen
admin-set-aside = Zurückgelegte Mail
admin-reprocess = Erneut verarbeiten

admin-overview = Übersicht
admin-mail = Mail
admin-agents-help = Wer im Helpdesk arbeitet. Agenten sehen die Tickets der Postfächer, die sie bekommen; eingeschränkte Agenten dürfen interne Notizen schreiben, aber nie an Kunden; Admins sehen und richten alles ein.
admin-agent-role-help = Admin: alles. Agent: antwortet Kunden. Eingeschränkter Agent: nur interne Notizen.
admin-agent-mailboxes-help = Die Postfächer, deren Tickets dieser Agent sieht und zugewiesen bekommt.
admin-agent-disabled-help = Ein gesperrter Agent kann sich nicht anmelden; seine Sitzungen enden sofort. Seine Arbeit bleibt.
admin-agent-capacity = Kapazität
admin-agent-capacity-help = Wie viele offene Tickets der Agent gleichzeitig übernimmt; die Zuweisung nach Auslastung rechnet damit.
admin-agent-languages = Sprachen
admin-agent-languages-help = Sprachcodes, in denen der Agent antwortet, durch Kommas getrennt (de, cs, en).
admin-agent-skills = Fähigkeiten
admin-agent-hours = Arbeitszeiten
admin-agent-hours-help = Zum Beispiel „mon-fri 09:00-17:00, sat 10:00-14:00“ und die Zeitzone (Europe/Berlin). Außerhalb dieser Zeiten gilt der Agent als außer Dienst. Leer: Nur sein Status zählt.
admin-agent-time-zone = Zeitzone
admin-teams-help = Ein Ticket, das einem Team gegeben wird, erscheint in der Ansicht dieses Teams.
admin-tags-help = Umbenennen in ein vorhandenes Schlagwort führt beide zusammen; Entfernen nimmt es von jedem Ticket.
admin-tags-none = Noch keine Schlagwörter in Verwendung.
admin-mailboxes-help = Jede Support-Adresse, an die Kunden schreiben.
admin-mailbox-smtp-help = Mail erreicht sie über den SMTP-Listener unter { $addr }, eine MTA-Pipe (podpora ingest) oder IMAP-Abruf.
admin-mailbox-smtp-off = Der SMTP-Listener ist aus: Mail kommt per IMAP-Abruf oder über eine MTA-Pipe (podpora ingest).
admin-mailbox-no-imap = Kein IMAP-Abruf: Mail kommt über den SMTP-Listener oder eine Pipe.
admin-mailbox-imap-help = imap://benutzer:passwort@host:143/INBOX oder imaps://…:993/INBOX; das Passwort wird gespeichert und nie wieder angezeigt.
admin-mailbox-name-help = Kunden sehen ihn als Absender („Anna (Shop-Support)“); leer: die Adresse.
admin-ack-help = Wird einmal je neuem Ticket gesendet, nie an automatische Mails, höchstens dreimal pro Stunde an denselben Absender.
admin-ack-default = leer: der Standardtext in der Sprache des Kunden
admin-ack-variables = Variablen: { $list }
admin-set-aside-help = Mail, aus der kein Ticket werden konnte (unlesbar, Unzustellbarkeitsmeldungen, Mail-Schleifen). Nichts geht verloren: Jede lässt sich so herunterladen, wie sie ankam, und erneut verarbeiten.
admin-set-aside-none = Keine Mail ist zurückgelegt.
setup-done = Erledigt
setup-warning = Prüfen
setup-missing = Fehlt
setup-no-mailbox = Noch keine Support-Adresse: Fügen Sie eine hinzu, damit aus Mail Tickets werden.
setup-mailboxes = Support-Adressen: { $list }.
setup-imap-error = { $address } kann keine Mail abrufen: { $error }
setup-smtp-tls = Der SMTP-Listener unter { $addr } bietet STARTTLS an.
setup-smtp-local = Der SMTP-Listener unter { $addr } nimmt Mail nur von diesem Rechner an (ein MTA davor, oder Tests).
setup-smtp-no-tls = Der SMTP-Listener unter { $addr } nimmt Mail aus dem Netz ohne TLS an: Setzen Sie PODPORA_SMTP_TLS_CERT und PODPORA_SMTP_TLS_KEY.
setup-smtp-off = Der SMTP-Listener ist aus; Mail kommt per IMAP oder über eine MTA-Pipe.
setup-relay = Ausgehende Mail geht an { $relay }.
setup-no-relay = Kein Relay für ausgehende Mail: { $detail }. Kunden erhalten nichts, bis PODPORA_SMTP_RELAY gesetzt ist.
setup-failed-mail = { $count ->
    [one] Eine ausgehende Mail ist fehlgeschlagen.
   *[other] { $count } ausgehende Mails sind fehlgeschlagen.
}
setup-set-aside = { $count ->
    [one] Eine empfangene Mail ist zurückgelegt.
   *[other] { $count } empfangene Mails sind zurückgelegt.
}
setup-public-url-unset = Links in Mails zeigen auf { $url }, gebildet aus der HTTP-Adresse: Setzen Sie PODPORA_PUBLIC_URL auf die Adresse, die Kunden und Agenten verwenden.
setup-public-url-http = Die öffentliche URL { $url } ist unverschlüsseltes http: Stellen Sie podpora hinter https.
setup-public-url = Die öffentliche URL ist { $url }.
setup-agents = { $count } Agenten können sich anmelden.
setup-only-you = Sie sind der einzige Agent: Fügen Sie Ihre Kolleginnen und Kollegen hinzu.
error-imap-url = Die IMAP-URL ist nicht verwendbar: { $detail }
error-ack-subject = Der Betreff der Eingangsbestätigung enthält einen Fehler: { $detail }
role-admin = Admin
role-agent = Agent
role-light_agent = Eingeschränkter Agent

time-just-now = gerade eben
time-minutes-ago = vor { $n } Min.
time-hours-ago = vor { $n } Std.
time-days-ago = vor { $n } T.

keys-help = Tasten: j/k bewegen, Enter öffnen, r antworten, n Notiz, a zuweisen, / suchen

# Texte für Kunden
reply-quote-header = Am { $when } schrieb { $who }:
ack-customer = Kundin, Kunde
ack-no-articles = - (unser Hilfe-Center entsteht gerade)
ack-default-hours = Montag bis Freitag
ack-default-response-time = ein Werktag
ack-subject = { $ticket_tag } Wir haben Ihre Nachricht erhalten: { $subject }
ack-body = { $greeting }

    vielen Dank für Ihre Nachricht an { $mailbox_name }. Ihr Anliegen ist bei uns als Ticket { $ticket_number } erfasst.

    Wir sind für Sie da: { $support_hours }
    { $expected }

    Wenn es eilt, erreichen Sie uns auch so: { $alternative_contacts }

    Diese Artikel beantworten Ihre Frage vielleicht schon:
    { $help_articles }

    Möchten Sie etwas ergänzen? Antworten Sie einfach auf diese E-Mail und lassen Sie die Ticketnummer im Betreff stehen.
routing-turn = reihum: nächster von { $available } verfügbaren
routing-load = am wenigsten ausgelastet: { $open } von { $capacity } offenen Tickets
routing-sticky = feste Ansprechperson: hat { $days ->
    [0] heute
    [1] gestern
   *[other] vor { $days } Tagen
} geantwortet
routing-manager-customer = Kundenbetreuer des Kunden
routing-manager-organisation = Kundenbetreuer der Organisation
routing-rule = Regel „{ $rule }“
routing-nobody = niemand verfügbar: wartet in der Warteschlange
routing-language = spricht { $language }
routing-skills = Fähigkeiten { $skills }
routing-missed-helper = { $agent }, der zuletzt geantwortet hat, ist nicht verfügbar
routing-missed-no-helper = in den letzten { $days } Tagen hat ihm niemand geantwortet
routing-missed-no-manager = kein Kundenbetreuer
routing-missed-manager-elsewhere = der Kundenbetreuer { $agent } arbeitet hier nicht
activity-routed = hat es { $to } zugewiesen: { $why }
activity-routed-wait = { $why }
routing-by-hand = von Hand zugewiesen
activity-rule = Regel „{ $rule }“ wurde ausgeführt
activity-rule-failed = eine Regel konnte nicht handeln: { $detail }
error-rule-unknown-id = kein solches Team, Postfach oder aktiver Agent: { $id }
error-rule-unknown-canned = kein gemeinsamer Textbaustein { $id }
activity-released = hat es { $from } abgenommen, der vor einer ersten Antwort den Dienst beendet hat
customer-account-manager = Kundenbetreuer
error-sticky-days = Das Fenster der festen Ansprechperson ist 1 bis 365 Tage lang.
admin-routing = Zuweisung
admin-routing-help = Wer ein neues Ticket bekommt. Arbeit nehmen Agenten an, die online und unter ihrer Kapazität sind (auf der Seite Agenten eingestellt); jede Entscheidung steht mit ihrem Grund im Verlauf des Tickets.
admin-routing-no-mailboxes = Noch keine Support-Adresse.
admin-routing-teams-help = Über Tickets, die einem Team gegeben werden (von einer Person oder einer Regel), entscheidet die Regel des Teams; ist sie manuell, entscheidet die des Postfachs.
admin-routing-policy = Zuweisung
admin-routing-policy-help = Reihum wechselt ab; am wenigsten ausgelastet wählt den geringsten Anteil an der Kapazität; feste Ansprechperson schickt wiederkehrende Kunden an den Agenten, der ihnen zuletzt geantwortet hat; Kundenbetreuer schickt Kunden an ihren eigenen Betreuer.
admin-routing-fallback = Wenn feste Ansprechperson oder Kundenbetreuer nicht entscheiden können
admin-routing-fallback-help = Keine frühere Antwort im Zeitfenster, dieser Agent ist nicht verfügbar, oder der Kunde hat keinen Betreuer.
admin-routing-sticky-days = Zeitfenster der festen Ansprechperson (Tage)
admin-routing-by-language = Agenten bevorzugen, die die Sprache des Kunden sprechen
admin-routing-off-shift = Wer den Dienst beendet, gibt noch unbeantwortete Tickets zurück
policy-manual = Nur von Hand
policy-round_robin = Reihum
policy-least_loaded = Am wenigsten ausgelastet
policy-sticky = Feste Ansprechperson
policy-account_manager = Kundenbetreuer
admin-rules = Regeln
admin-rules-help = Regeln ändern Tickets von selbst: wenn ein Ticket entsteht, wenn es sich ändert (der Kunde schreibt, ein Agent antwortet oder ändert es) oder nach Zeitplan. Sie laufen in dieser Reihenfolge; jede sieht, was die vorigen geändert haben, und was Regeln ändern, startet sie nie erneut.
admin-rules-add = Regel hinzufügen
admin-rules-none = Noch keine Regeln.
admin-rule-name = Name
admin-rule-trigger = Läuft
admin-rule-trigger-help = Nach Zeitplan: wird alle halbe Minute an nicht geschlossenen Tickets geprüft; an einem Ticket handelt eine Regel einmal, bis sich das Ticket wieder ändert. Sie braucht mindestens „Stunden ohne Aktivität“ oder „Alter in Stunden“.
admin-rule-conditions = Bedingungen
admin-rule-conditions-help = Alle müssen zutreffen (keine: jedes Ticket). Eine Liste ist durch Kommas getrennt, und jeder ihrer Werte passt. Wörter passen am Wortanfang, ohne Groß- und Kleinschreibung oder Akzente. Postfächer, Teams und Agenten über ihre ID (auf ihren Verwaltungsseiten angezeigt).
admin-rule-actions = Aktionen
admin-rule-actions-help = Zuweisen: „policy“ (nach der Regel des Teams oder Postfachs), „nobody“ oder die ID eines Agenten. Team: seine ID, leer für keins. Textbaustein: die ID eines gemeinsamen. Benachrichtigen: „assignee“, „team_lead“ oder Agenten-IDs.
admin-rule-enabled = Aktiv
admin-rule-off = aus
admin-rule-stop = stoppt
admin-rule-stop-label = Wenn sie handelt, die folgenden Regeln überspringen
admin-rule-every-ticket = jedes Ticket
admin-rule-up = Nach oben
admin-rule-down = Nach unten
admin-rule-delete = Entfernen
admin-rule-field = Feld
admin-rule-op = Vergleich
admin-rule-value = Wert
admin-rule-action = Aktion
admin-rule-dry-run = Probelauf
admin-rule-dry-run-result = Sie würde bei { $matched } der { $checked } neuesten nicht geschlossenen Tickets handeln.
rule-trigger-created = wenn ein Ticket entsteht
rule-trigger-updated = wenn sich ein Ticket ändert
rule-trigger-schedule = nach Zeitplan
rule-field-channel = Kanal
rule-field-mailbox = Postfach
rule-field-sender = Absender
rule-field-sender_domain = Domain des Absenders
rule-field-organisation = Organisation
rule-field-subject = Betreff
rule-field-body = Text des Kunden
rule-field-language = Sprache
rule-field-customer_name = Name des Kunden
rule-field-customer_tickets = Tickets des Kunden
rule-field-account_manager = Kundenbetreuer
rule-field-tag = Schlagwort
rule-field-priority = Priorität
rule-field-status = Status
rule-field-team = Team
rule-field-assignee = Zuständig
rule-field-idle_hours = Stunden ohne Aktivität
rule-field-age_hours = Alter in Stunden
rule-field-event = was geschah
rule-op-is = ist
rule-op-is_not = ist nicht
rule-op-contains = enthält
rule-op-not_contains = enthält nicht
rule-op-at_least = mindestens
rule-op-at_most = höchstens
rule-op-set = ist gesetzt
rule-op-not_set = ist nicht gesetzt
rule-action-set_team = Team setzen
rule-action-assign = zuweisen
rule-action-add_tag = Schlagwörter hinzufügen
rule-action-remove_tag = Schlagwörter entfernen
rule-action-set_priority = Priorität setzen
rule-action-set_status = Status setzen
rule-action-send_reply = Textbaustein senden
rule-action-add_note = Notiz hinzufügen
rule-action-notify = benachrichtigen
error-domain = keine Mail-Domain: { $value }
error-organisation-taken = eine andere Organisation hat diesen Wert schon: { $what }
inbox-filter-any-organisation = Jede Organisation
admin-organisations = Organisationen
admin-organisations-help = Firmen, für die Ihre Kunden schreiben. Mail von den Domains einer Organisation (und deren Subdomains) gehört zu ihr: Neue Kunden kommen dazu, und beim Hinzufügen einer Domain auch die schon vorhandenen. Mit der Kundenbetreuer-Regel gehen die Tickets ihrer Kunden an ihren Betreuer (der eigene Betreuer eines Kunden geht vor). Agenten verknüpfen einen Kunden im Kundenbereich des Tickets.
admin-organisation-add = Organisation hinzufügen
admin-organisation-name = Name
admin-organisation-domains = Mail-Domains
admin-organisation-domains-help = Durch Kommas getrennt, z. B. firma.de, firma.at.
admin-organisation-manager-help = Bekommt unter der Kundenbetreuer-Regel die Tickets ihrer Kunden.
admin-organisation-customers = { $count ->
    [one] { $count } Kunde
   *[other] { $count } Kunden
}
error-overflow-after = ein Überlauf braucht eine Zahl wartender Tickets von 1 bis 10000
error-overflow-team = ein Team läuft in ein anderes Team über
activity-overflow = von { $from } an { $to } weitergegeben: mehr als { $after } warteten
admin-routing-overflow-team = Überlauf an
admin-routing-overflow-after = Wenn mehr warten als
admin-routing-overflow-help = Wenn mehr Tickets dieses Teams auf jemanden warten (nicht zugewiesen, neu oder offen) als die Zahl unten, geht das nächste, das ihm gegeben wird, stattdessen an dieses Team (und dessen Regel entscheidet).
error-calendar-in-use = eine SLA-Regel verwendet diesen Kalender
ack-expected-within = Wir antworten normalerweise innerhalb von { $response_time }.
ack-expected-by = Wir antworten spätestens { $answer_by }.
ack-answer-by = { $weekday_on }, { $day }.{ $month }.{ $year }, um { $time } Uhr ({ $zone })
weekday-1 = Montag
weekday-2 = Dienstag
weekday-3 = Mittwoch
weekday-4 = Donnerstag
weekday-5 = Freitag
weekday-6 = Samstag
weekday-7 = Sonntag
month-1 = Januar
month-2 = Februar
month-3 = März
month-4 = April
month-5 = Mai
month-6 = Juni
month-7 = Juli
month-8 = August
month-9 = September
month-10 = Oktober
month-11 = November
month-12 = Dezember
sla-first-response = erste Antwort
sla-next-response = nächste Antwort
sla-resolution = Lösung
routing-escalated-warning = an die Teamleitung eskaliert: { $metric } droht verpasst zu werden
routing-escalated-breach = an die Teamleitung eskaliert: { $metric } wurde verpasst
notification-sla-warning = { $metric } fällig { $due }
notification-sla-warning-soon = { $metric } bald fällig
notification-sla-breach = { $metric } verpasst
notification-escalation = an Sie eskaliert: { $metric } verpasst oder kurz davor
notice-body =
    { $line }.

    Ticket #{ $number }: { $subject }
    { $link }

    Sie bekommen diese Mail vom Helpdesk, weil das Ticket Ihres oder das Ihres Teams ist. Sie können diese Mails auf Ihrer Kontoseite abschalten: { $account }
activity-sla-breach = hat das Ziel verpasst: { $metric } (fällig { $due })
sla-due-in = noch { $time }
sla-overdue = { $time } überfällig
sla-paused = pausiert: wartet auf den Kunden
sla-met = eingehalten
sla-met-late = verspätet eingehalten
sla-due-column = Fällig
inbox-sort-due = Fällige zuerst
account-mail-notifications = SLA-Warnungen und Eskalationen auch per Mail senden
admin-sla = Servicezeiten & SLAs
admin-sla-help = Ein Kalender sagt, wann das Team arbeitet; eine SLA-Regel legt fest, wie schnell Tickets ihrer Postfächer beantwortet und gelöst werden müssen, gezählt in der Arbeitszeit des Kalenders. Der Posteingang zeigt die verbleibende Zeit; Zuständige und Teamleitung erfahren es, bevor ein Ziel verpasst wird und wenn es verpasst ist.
admin-calendars = Kalender
admin-calendars-none = Noch kein Kalender.
admin-calendar-add = Kalender hinzufügen
admin-calendar-name = Name
admin-calendar-zone = Zeitzone
admin-calendar-week = Servicezeiten
admin-calendar-week-help = Tage und Stunden mit englischen Kürzeln, z. B. „mon-fri 09:00-17:00, sat 10:00-14:00“; 22:00-06:00 läuft über Mitternacht.
admin-calendar-holidays = Feiertage
admin-calendar-holidays-help = Einer pro Zeile, Datum und Name: 2026-12-24 Heiligabend. An diesen Tagen läuft die Uhr nicht.
admin-calendar-public = Gesetzliche Feiertage hinzufügen
admin-calendar-public-help = Fügt der Liste die gesetzlichen Feiertage des Landes in diesem Jahr hinzu; Tage, die schon dort stehen, bleiben.
admin-calendar-country = Land
admin-calendar-year = Jahr
country-cz = Tschechien
country-pl = Polen
country-ru = Russland
admin-sla-policies = SLA-Regeln
admin-sla-policies-none = Noch keine SLA-Regel: Tickets werden nicht gemessen.
admin-sla-policy-add = SLA-Regel hinzufügen
admin-sla-calendar-first = Fügen Sie zuerst einen Kalender hinzu: Eine Regel zählt die Zeit in seinen Servicezeiten.
admin-sla-policy-calendar = Kalender
admin-sla-policy-calendar-help = Ziele zählen nur die Servicezeiten dieses Kalenders.
admin-sla-targets = Ziele
admin-sla-targets-help = Arbeitszeit: 30m, 8h, 1h30m (drei 8-Stunden-Tage sind 24h). Für Kanal und Priorität eines Tickets gilt die genaueste Zeile; „jeder“ passt auf alle. Eine leere Zeit: kein Ziel.
admin-sla-channel = Kanal
admin-sla-priority = Priorität
admin-sla-any = jeder
admin-sla-policy-warn = Warnen vorher
admin-sla-policy-warn-help = Wie lange vor der Fälligkeit Zuständige und Teamleitung es erfahren (z. B. 30m, 1h).
admin-sla-policy-escalate = An die Teamleitung eskalieren
admin-sla-policy-escalate-help = Gibt das Ticket der Leitung seines Teams, mit dem Grund im Verlauf.
admin-sla-escalate-off = nie; nur benachrichtigen
admin-sla-escalate-warning = wenn ein Ziel verpasst zu werden droht
admin-sla-escalate-breach = wenn ein Ziel verpasst ist
admin-sla-policy-mailboxes = Gemessene Postfächer
admin-sla-policy-mailboxes-help = Ein Postfach misst eine Regel: Wer es hier ankreuzt, nimmt es jeder anderen.
channel-email = E-Mail
channel-api = API
channel-web = Webformular
channel-chat = Chat
notice-rule = Regel „{ $rule }“ bittet Sie, sich dieses Ticket anzusehen
greeting-neutral = Guten Tag,
greeting-formal = { $gender ->
    [male] Guten Tag, Herr { $name },
    [female] Guten Tag, Frau { $name },
   *[other] Guten Tag,
}
greeting-informal = Hallo { $name },
weekday-on-1 = am Montag
weekday-on-2 = am Dienstag
weekday-on-3 = am Mittwoch
weekday-on-4 = am Donnerstag
weekday-on-5 = am Freitag
weekday-on-6 = am Samstag
weekday-on-7 = am Sonntag
admin-mailbox-language = Sprache der Kunden
admin-mailbox-language-help = Für einen neuen Kunden, dessen Mail seine Sprache nicht erkennen lässt (zu kurz oder in einer Sprache ohne Texte hier).
admin-ack-versions = Die Eingangsbestätigung in weiteren Sprachen
admin-ack-versions-help = Ein Kunde, für dessen Sprache es hier eine Fassung gibt, bekommt sie; alle anderen den Text oben.
admin-installation-default = Standard der Installation
admin-default-language = Standardsprache
admin-default-language-help = Für die Anmeldeseite, wenn der Browser keine unserer Sprachen verlangt, für neue Agenten und für Postfächer, die keine eigene setzen.
month-of-1 = Januar
month-of-2 = Februar
month-of-3 = März
month-of-4 = April
month-of-5 = Mai
month-of-6 = Juni
month-of-7 = Juli
month-of-8 = August
month-of-9 = September
month-of-10 = Oktober
month-of-11 = November
month-of-12 = Dezember
date-time = { $day }. { $month_name } { $year }, { $time }
admin-mailbox-time-zone = Zeitzone
admin-mailbox-time-zone-help = Daten in den Mails dieses Postfachs stehen in dieser Zone (z. B. Europe/Berlin); leer: die seines SLA-Kalenders.

## knowledge base and help centre
error-kb-image-type = In einen Artikel können nur PNG-, JPEG-, GIF- und WebP-Bilder eingefügt werden.
error-kb-language-fixed = Die Sprache eines Artikels lässt sich nicht ändern; schreiben Sie eine Übersetzung.
error-kb-read-only = Ihre Rolle darf die Wissensdatenbank lesen, aber nicht darin schreiben.
error-kb-taken = { $what } wird bereits von einer anderen Kategorie verwendet.
error-kb-translation-fixed = Wovon ein Artikel die Übersetzung ist, wird beim Schreiben festgelegt.
error-title-required = Ein Titel ist erforderlich.
error-unknown-article = Diesen Artikel gibt es nicht.
error-unknown-category = Diese Kategorie gibt es nicht.
help-title = Hilfe-Center
help-description = Antworten auf häufige Fragen: Bestellungen, Versand, Rücksendungen und Zahlung.
help-all-articles = { $count ->
    [one] { $count } Artikel
   *[other] Alle { $count } Artikel
}
help-also-in = Auch auf:
help-breadcrumb = Sie sind hier
help-empty = Hier gibt es noch keine Artikel.
help-search = Im Hilfe-Center suchen
help-search-button = Suchen
help-search-results = Ergebnisse für „{ $query }“
help-search-none = Zu diesen Wörtern wurde nichts gefunden. Versuchen Sie andere Wörter oder schreiben Sie uns.
help-helpful = War dieser Artikel hilfreich?
help-yes = Ja
help-no = Nein
help-thanks = Danke für Ihre Rückmeldung.
help-languages = Sprachen
help-other = Weitere Artikel
help-permalink = Link zu dieser Antwort
help-pinned = Beliebte Themen
help-related = Ähnliche Artikel
help-skip = Zum Inhalt springen
help-updated = Aktualisiert am { $date }
kb-title = Wissensdatenbank
kb-new = Neuer Artikel
kb-open-help = Hilfe-Center öffnen
kb-language = Sprache
kb-filter = Anzeigen
kb-article = Artikel
kb-article-title = Titel
kb-status = Status
kb-status-draft = Entwurf
kb-status-published = Veröffentlicht
kb-status-changed = Veröffentlicht, mit unveröffentlichten Änderungen
kb-votes = Hilfreich
kb-updated = Geändert
kb-internal = intern
kb-internal-help = Intern: nur für Agenten, nie im Hilfe-Center
kb-pinned-help = Auf der Startseite des Hilfe-Centers anheften
kb-no-category = Ohne Kategorie
kb-category = Kategorie
kb-categories = Kategorien
kb-category-add = Kategorie hinzufügen
kb-category-delete = Diese Kategorie löschen (ihre Artikel bleiben)
kb-category-kind = Art
kb-kind-articles = Artikel
kb-position = Reihenfolge
kb-description = Beschreibung
kb-slug = Adresse (Slug)
kb-markdown = Text (Markdown)
kb-preview = Vorschau
kb-image = Bild hinzufügen
kb-save-draft = Entwurf speichern
kb-publish = Veröffentlichen
kb-unpublish = Aus dem Hilfe-Center nehmen
kb-delete = Diesen Artikel samt Verlauf löschen
kb-history = Verlauf
kb-current = aktueller Entwurf
kb-restore = Diese Version wieder zum Entwurf machen
kb-translations = Übersetzungen:
kb-translate = Ins { $language } übersetzen
error-brand-colour = „{ $value }“ ist keine Farbe der Form #1a56b0.
error-brand-contrast = Weißer Text auf { $colour } ist schwer lesbar (Kontrast { $ratio }:1; mindestens 4,5:1 nötig): wählen Sie eine dunklere Farbe.
kb-brand = Aussehen des Hilfe-Centers
kb-brand-name = Name
kb-brand-colour = Farbe
kb-brand-logo = Logo
kb-brand-remove-logo = Logo entfernen
