# podpora — čeština

app-name = podpora
nav-inbox = Schránka
nav-admin = Správa
nav-account = Můj účet
nav-logout = Odhlásit
nav-notifications = Upozornění
notification-mention = { $name } vás zmínil(a)
notification-rule = pravidlo „{ $rule }“

login-title = Přihlášení
login-email = E-mail
login-password = Heslo
login-submit = Přihlásit
login-failed = E-mail nebo heslo nesouhlasí.
login-throttled = Příliš mnoho neúspěšných pokusů. Počkejte pár minut a zkuste to znovu.
login-disabled = Tento účet je zablokovaný.

csrf-failed = Formulář vypršel nebo přišel z jiného webu. Obnovte stránku a zkuste to znovu.
not-found = Nenalezeno, nebo k tomu nemáte přístup.
forbidden = Tohle udělat nemůžete.
error-title = Něco se pokazilo
error-invalid-address = „{ $value }“ není platná e-mailová adresa.
error-invalid-number = „{ $value }“ není číslo tiketu.
error-unknown-value = Neznámá hodnota ({ $kind }): { $value }.
error-template = V šabloně je chyba: { $detail }
error-unknown-language = Neznámý jazyk.
error-one-tag = Přejmenovávejte vždy na jeden štítek.
error-tag = Štítek musí mít 1 až 64 tisknutelných znaků.
error-reply-or-note = Vyberte odpověď, nebo interní poznámku.
error-unknown-agent = Neznámý agent.
error-reminder = Připomenutí není platné datum a čas.
error-unknown-team = Neznámý tým.
error-unknown-snooze = Neznámá doba odložení.
error-choose-colleague = Vyberte kolegu.
error-attachments-size = Přílohy mohou mít dohromady nejvýš { $mb } MB.
error-unknown-action = Neznámá akce.
error-name-required = Jméno je povinné.
error-password-short = Heslo musí mít aspoň 10 znaků.
error-capacity = Kapacita je počet tiketů od 0 do { $max }.
error-language-code = „{ $code }“ není kód jazyka (dvě nebo tři písmena, např. cs, sk, en).
error-storage = Databáze teď není dostupná. Zkuste to za chvíli.
error-detail = { $detail }
error-admin-only = Tohle smí jen správce.
error-light-agent-status = Omezený agent nemůže měnit stav tiketu ani tikety slučovat či rozdělovat.
error-agent-no-access = { $name } nevidí schránku tohoto tiketu; nejdřív mu ji přidělte.
error-merge-itself = Tiket nelze sloučit sám se sebou.
error-split-first = První zprávu nelze oddělit: je to tiket sám.
error-file-name = Každá příloha musí mít název souboru.
error-content-type = „{ $value }“ není typ obsahu.
error-too-long = Pole { $field } může mít nejvýš { $max } znaků.
error-channel = Ručně zadaný tiket přichází kanálem „api“ nebo „web“, ne „{ $value }“.
saved = Uloženo.

view-unassigned = Nepřidělené
view-mine = Moje
view-open = Všechny otevřené
view-pending = Čekající
view-solved = Vyřešené
view-closed = Uzavřené
view-all = Všechny
view-mailbox = Schránka
view-team = Tým
view-tag = Štítek

inbox-search = Hledat tikety, zákazníky, #číslo
inbox-search-submit = Hledat
inbox-sort-oldest = Nejstarší první
inbox-sort-newest = Nejnovější první
inbox-empty = Žádné tikety.
inbox-next = Další stránka
inbox-first = První stránka
inbox-new-arrived = Nové nebo změněné tikety — obnovit
inbox-bulk-selected = S vybranými:
inbox-bulk-apply = Provést
inbox-filter-any-priority = Jakákoli priorita
tickets-count = { $count ->
    [one] { $count } tiket
    [few] { $count } tikety
   *[other] { $count } tiketů
}

bulk-assign-me = Přidělit mně
bulk-assign-to = Přidělit:
bulk-unassign = Zrušit přidělení
bulk-close = Uzavřít
bulk-solve = Označit jako vyřešené
bulk-tag = Přidat štítek
bulk-merge = Sloučit do nejstaršího
bulk-done = { $count ->
    [one] Změněn { $count } tiket.
    [few] Změněny { $count } tikety.
   *[other] Změněno { $count } tiketů.
}
bulk-none = Vyberte aspoň jeden tiket.
bulk-merge-needs-two = Ke sloučení vyberte aspoň dva tikety.

col-number = Číslo
col-subject = Předmět
col-customer = Zákazník
col-status = Stav
col-assignee = Řeší
col-updated = Změněno
col-priority = Priorita

status-new = Nový
status-open = Otevřený
status-pending = Čeká
status-solved = Vyřešený
status-closed = Uzavřený

priority-low = Nízká
priority-normal = Běžná
priority-high = Vysoká
priority-urgent = Naléhavá

ticket-title = Tiket { $number }
ticket-from = Od
ticket-to = Komu
ticket-cc = Kopie
ticket-note = Interní poznámka
ticket-quoted = Zobrazit citovaný text
ticket-signature = Podpis
ticket-raw = Originál (.eml)
ticket-formatted = Formátovaně
ticket-images-blocked = Vzdálené obrázky jsou zablokované.
ticket-images-show = Zobrazit obrázky
ticket-attachments = Přílohy
ticket-delivery-queued = ve frontě
ticket-delivery-sent = odesláno
ticket-delivery-failed = nedoručeno: { $error }
ticket-related = Souvisí s { $number }
ticket-merged-into = Sloučeno do { $number }
ticket-properties = Vlastnosti
ticket-status = Stav
ticket-assignee = Řeší
ticket-nobody = Nikdo
ticket-team = Tým
ticket-no-team = Bez týmu
ticket-priority = Priorita
ticket-tags = Štítky
ticket-tags-hint = oddělené čárkou
ticket-remind = Připomenout
ticket-save = Uložit
ticket-merge = Sloučit do tiketu
ticket-merge-submit = Sloučit
ticket-merge-done = Sloučeno do { $number }.
ticket-split = Oddělit do nového tiketu
ticket-snooze = Odložit
ticket-snooze-1h = O hodinu
ticket-snooze-tomorrow = Do zítřka 9:00
ticket-snooze-week = O týden
ticket-handover = Předat
ticket-handover-to = Komu
ticket-handover-note = Co má další kolega vědět
ticket-handover-submit = Předat
ticket-changed = Tiket se od otevření změnil — načíst znovu
ticket-activity = Historie
ticket-viewing = Také zde:
ticket-typing = píše odpověď…
ticket-messages-count = { $count ->
    [one] { $count } zpráva
    [few] { $count } zprávy
   *[other] { $count } zpráv
}

reply-title = Odpověď
reply-note-title = Interní poznámka
reply-body = Zpráva
reply-to-participants = Příjemci
reply-cc = Kopie
reply-bcc = Skrytá kopie
reply-attach = Přiložit soubory
reply-send = Odeslat odpověď
reply-add-note = Přidat poznámku
reply-template = Vložit šablonu
reply-template-none = Zatím žádné šablony.
reply-collision = { $name } odpověděl(a) na tento tiket, když jste ho měli otevřený. Přečtěte si odpověď níže; odeslat i tu vaši?
reply-send-anyway = Přesto odeslat
reply-sent = Odpověď čeká na odeslání.
reply-noted = Poznámka přidána.
reply-empty = Nejdřív napište zprávu.
reply-light-agent = Omezený agent může přidávat jen interní poznámky.
reply-no-outbound = Není nastavený odesílací server: odchozí pošta se ukládá jako soubory .eml v datové složce.

customer-title = Zákazník
customer-name = Jméno
customer-addresses = Adresy
customer-organisation = Organizace
customer-notes = Poznámky k zákazníkovi
customer-language = Jazyk
customer-other-tickets = Další tikety
customer-none = Žádné další tikety.
customer-save = Uložit zákazníka

activity-status = změnil(a) stav z { $from } na { $to }
activity-assign = přidělil(a) tiket: { $to }
activity-unassign = zrušil(a) přidělení
activity-tags = změnil(a) štítky: { $detail }
activity-team = předal(a) tiket týmu { $team }
activity-team-clear = odebral(a) tiket týmu
activity-priority = změnil(a) prioritu z { $from } na { $to }
activity-remind = nastavil(a) připomenutí na { $when }
activity-remind-clear = zrušil(a) připomenutí
activity-reminder = Nastal čas připomenutí: tiket je zpět ve frontě.
activity-reply = odpověděl(a) zákazníkovi
activity-note = přidal(a) poznámku
activity-merged-into = sloučil(a) tento tiket do { $number }
activity-merged-from = sloučil(a) sem tiket { $number }
activity-split-to = oddělil(a) zprávy do { $number }
activity-split-from = oddělil(a) tento tiket z { $number }
activity-handover = předal(a) kolegovi { $to }: { $note }
activity-customer = upravil(a) zákazníka
activity-system = podpora

account-title = Můj účet
account-language = Jazyk
account-status = Dostupnost
account-status-help = Kolegové a přidělování vidí, jestli jste k dispozici.
agent-status-online = Online
agent-status-away = Pryč
agent-status-off = Mimo směnu
account-password = Změna hesla
account-password-current = Současné heslo
account-password-new = Nové heslo (aspoň 10 znaků)
account-password-wrong = Současné heslo nesouhlasí.
account-password-changed = Heslo změněno. Ostatní přihlášení byla ukončena.
account-save = Uložit

canned-title = Šablony odpovědí
canned-name = Název
canned-body = Text
canned-shared = Sdílená se všemi
canned-personal = Osobní
canned-add = Přidat šablonu
canned-delete = Smazat
canned-variables = Proměnné: { $list }

admin-title = Správa
outbox-queued = Čeká na odeslání
outbox-sent = Odesláno
outbox-failed = Nedoručeno
outbox-retrying = Čeká na další pokus
outbox-oldest = Nejstarší neodeslaný e-mail čeká od
admin-agents = Agenti
admin-teams = Týmy
admin-team-name = Název týmu
admin-team-lead = Vedoucí týmu
admin-team-lead-help = Dostává upozornění, než tiket týmu překročí lhůtu; eskalace jdou k němu. Vedoucí, který není členem, se jím stane.
admin-team-add = Přidat tým
admin-mailboxes = Schránky
admin-outbound = Odchozí pošta
admin-add-agent = Přidat agenta
admin-agent-email = E-mail
admin-agent-name = Jméno
admin-agent-role = Role
admin-agent-password = Počáteční heslo (aspoň 10 znaků)
admin-agent-disabled = Zablokovaný
admin-agent-all-mailboxes = Všechny schránky
admin-agent-mailboxes = Schránky
admin-agent-save = Uložit
admin-agent-created = Agent vytvořen.
admin-cannot-demote-self = Sami sobě nemůžete odebrat roli správce ani zablokovat účet.
admin-mailbox-address = Adresa
admin-mailbox-name = Název
admin-mailbox-imap = Adresa IMAP
admin-mailbox-imap-kept = prázdné ponechá uložené
admin-mailbox-add = Přidat schránku
admin-mailbox-test = Vyzkoušet spojení
admin-mailbox-test-ok = Spojeno: { $detail }
admin-mailbox-test-failed = Spojení selhalo: { $detail }
admin-mailbox-health = Naposledy staženo { $when }, staženo { $count }
admin-mailbox-never = zatím nestaženo
admin-mailbox-error = Poslední chyba: { $error }
admin-mailbox-signature = Podpis
admin-ack-enabled = Posílat automatické potvrzení
admin-ack-subject = Předmět potvrzení
admin-ack-body = Text potvrzení
admin-support-hours = Provozní doba podpory
admin-response-time = Obvyklá doba odpovědi
admin-alternative-contacts = Další kontakty
admin-tags = Používané štítky
admin-tag-rename = Přejmenovat
admin-tag-delete = Odebrat všude
admin-set-aside = Odložená pošta
admin-reprocess = Zpracovat znovu

admin-overview = Přehled
admin-mail = Pošta
admin-agents-help = Kdo v helpdesku pracuje. Agenti vidí tikety schránek, které jim přidělíte; omezení agenti smějí psát jen interní poznámky, nikdy zákazníkům; správci vidí a nastavují všechno.
admin-agent-role-help = Správce: všechno. Agent: odpovídá zákazníkům. Omezený agent: jen interní poznámky.
admin-agent-mailboxes-help = Schránky, jejichž tikety agent vidí a dostává.
admin-agent-disabled-help = Zablokovaný agent se nepřihlásí a jeho přihlášení hned končí. Jeho práce zůstává.
admin-agent-capacity = Kapacita
admin-agent-capacity-help = Kolik otevřených tiketů agent najednou zvládne; přidělování podle vytížení s ní počítá.
admin-agent-languages = Jazyky
admin-agent-languages-help = Kódy jazyků, ve kterých agent odpovídá, oddělené čárkou (cs, sk, en).
admin-agent-skills = Dovednosti
admin-agent-hours = Pracovní doba
admin-agent-hours-help = Například „mon-fri 09:00-17:00, sat 10:00-14:00“ a časové pásmo (Europe/Prague). Mimo tuto dobu je agent mimo směnu. Prázdné: platí jen jeho stav.
admin-agent-time-zone = Časové pásmo
admin-teams-help = Tiket předaný týmu se ukazuje v pohledu toho týmu ve frontě.
admin-tags-help = Přejmenování na existující štítek je sloučí; odebrání štítek smaže ze všech tiketů.
admin-tags-none = Zatím se nepoužívají žádné štítky.
admin-mailboxes-help = Každá adresa podpory, na kterou zákazníci píší.
admin-mailbox-smtp-help = Pošta do ní dojde přes SMTP na { $addr }, rourou z MTA (podpora ingest), nebo stahováním přes IMAP.
admin-mailbox-smtp-off = SMTP je vypnuté: pošta dojde stahováním přes IMAP nebo rourou z MTA (podpora ingest).
admin-mailbox-no-imap = Bez stahování přes IMAP: pošta chodí přes SMTP nebo rourou.
admin-mailbox-imap-help = imap://uživatel:heslo@server:143/INBOX nebo imaps://…:993/INBOX; heslo se uloží a už se nikdy neukáže.
admin-mailbox-name-help = Zákazníci ho vidí jako odesílatele („Jana (Podpora e-shopu)“); když chybí, použije se adresa.
admin-ack-help = Posílá se jednou ke každému novému tiketu, nikdy na automatickou poštu, nejvýš třikrát za hodinu stejnému odesílateli.
admin-ack-default = prázdné: výchozí text v jazyce zákazníka
admin-ack-variables = Proměnné: { $list }
admin-set-aside-help = Pošta, ze které nemohl vzniknout tiket (nečitelná, nedoručenky, smyčky). Nic se neztratí: každou zprávu lze stáhnout tak, jak přišla, a zpracovat znovu.
admin-set-aside-none = Žádná pošta není odložená.
setup-done = Hotovo
setup-warning = Zkontrolovat
setup-missing = Chybí
setup-no-mailbox = Zatím žádná adresa podpory: přidejte ji, ať se z pošty stávají tikety.
setup-mailboxes = Adresy podpory: { $list }.
setup-imap-error = { $address } nemůže stahovat poštu: { $error }
setup-smtp-tls = SMTP na { $addr } nabízí STARTTLS.
setup-smtp-local = SMTP na { $addr } přijímá poštu jen z tohoto stroje (za jiným MTA, nebo pro testy).
setup-smtp-no-tls = SMTP na { $addr } přijímá poštu ze sítě bez TLS: nastavte PODPORA_SMTP_TLS_CERT a PODPORA_SMTP_TLS_KEY.
setup-smtp-off = SMTP je vypnuté; pošta chodí přes IMAP nebo rourou z MTA.
setup-relay = Odchozí pošta jde přes { $relay }.
setup-no-relay = Pro odchozí poštu není nastavený server: { $detail }. Zákazníkům nic nedojde, dokud nenastavíte PODPORA_SMTP_RELAY.
setup-failed-mail = { $count ->
    [one] Jedna odchozí zpráva se nepodařila odeslat.
    [few] { $count } odchozí zprávy se nepodařilo odeslat.
   *[other] { $count } odchozích zpráv se nepodařilo odeslat.
}
setup-set-aside = { $count ->
    [one] Jedna přijatá zpráva je odložená.
    [few] { $count } přijaté zprávy jsou odložené.
   *[other] { $count } přijatých zpráv je odložených.
}
setup-public-url-unset = Odkazy v e-mailech vedou na { $url }, odvozené z adresy HTTP: nastavte PODPORA_PUBLIC_URL na adresu, kterou používají zákazníci a agenti.
setup-public-url-http = Veřejná adresa { $url } je jen http: provozujte podporu za https.
setup-public-url = Veřejná adresa je { $url }.
setup-agents = Přihlásit se může agentů: { $count }.
setup-only-you = Jste tu jediný agent: přidejte kolegy.
error-imap-url = Adresa IMAP nejde použít: { $detail }
error-ack-subject = V předmětu potvrzení je chyba: { $detail }
role-admin = Správce
role-agent = Agent
role-light_agent = Omezený agent

time-just-now = právě teď
time-minutes-ago = před { $n } min
time-hours-ago = před { $n } h
time-days-ago = před { $n } d

keys-help = Klávesy: j/k pohyb, Enter otevřít, r odpovědět, n poznámka, a přidělit, / hledat

reply-quote-header = Dne { $when } napsal(a) { $who }:
ack-customer = zákazníku
ack-no-articles = - (naše nápověda se právě píše)
ack-default-hours = pondělí až pátek
ack-default-response-time = jeden pracovní den
ack-subject = { $ticket_tag } Vaši zprávu jsme přijali: { $subject }
ack-body = { $greeting }

    děkujeme, že jste napsali na { $mailbox_name }. Váš požadavek jsme zaevidovali jako tiket { $ticket_number }.

    Naše provozní doba: { $support_hours }
    { $expected }

    Pokud je to naléhavé, zastihnete nás také: { $alternative_contacts }

    Na vaši otázku možná už odpovídají tyto články:
    { $help_articles }

    Pokud chcete něco doplnit, stačí odpovědět na tento e-mail a ponechat číslo tiketu v předmětu.

routing-turn = rotace: další z { $available } dostupných
routing-load = nejméně vytížený: { $open } z { $capacity } otevřených tiketů
routing-sticky = stálý kontakt: odpověděl(a) { $days ->
    [0] dnes
    [1] včera
   *[other] před { $days } dny
}
routing-manager-customer = obchodní zástupce zákazníka
routing-manager-organisation = obchodní zástupce organizace
routing-rule = pravidlo „{ $rule }“
routing-nobody = nikdo není k dispozici: čeká ve frontě
routing-language = mluví jazykem { $language }
routing-skills = dovednosti { $skills }
routing-missed-helper = { $agent }, kdo odpovídal naposledy, není k dispozici
routing-missed-no-helper = za posledních { $days } dní mu nikdo neodpovídal
routing-missed-no-manager = bez obchodního zástupce
routing-missed-manager-elsewhere = obchodní zástupce { $agent } tady nepracuje
activity-routed = přidělil(a) { $to }: { $why }
activity-routed-wait = { $why }
routing-by-hand = přiděleno ručně
activity-rule = proběhlo pravidlo „{ $rule }“
activity-rule-failed = pravidlo nemohlo provést akci: { $detail }
error-rule-unknown-id = takový tým, schránka ani aktivní agent neexistuje: { $id }
error-rule-unknown-canned = sdílená šablona odpovědi { $id } neexistuje
activity-released = vzal(a) tiket { $from }, kdo odešel ze směny, před první odpovědí
customer-account-manager = Obchodní zástupce
error-sticky-days = Doba stálého kontaktu je 1 až 365 dní.
admin-routing = Přidělování
admin-routing-help = Kdo dostane nový tiket. Práci berou agenti, kteří jsou online a pod svou kapacitou (nastavuje se na stránce Agenti); každé rozhodnutí se s důvodem zapíše do historie tiketu.
admin-routing-no-mailboxes = Zatím žádná adresa podpory.
admin-routing-teams-help = Pravidlo týmu rozhoduje o tiketech předaných týmu (člověkem nebo později pravidlem); když je ruční, rozhoduje pravidlo schránky.
admin-routing-policy = Přidělování
admin-routing-policy-help = Rotace střídá agenty; nejméně vytížený vybere nejmenší podíl kapacity; stálý kontakt pošle vracejícího se zákazníka agentovi, který mu naposledy odpověděl; obchodní zástupce pošle zákazníka jeho zástupci.
admin-routing-fallback = Když stálý kontakt nebo zástupce nerozhodne
admin-routing-fallback-help = Žádná dřívější odpověď v dané době, ten agent není k dispozici, nebo zákazník nemá zástupce.
admin-routing-sticky-days = Doba stálého kontaktu (dny)
admin-routing-by-language = Upřednostnit agenty, kteří mluví jazykem zákazníka
admin-routing-off-shift = Agent, který odejde ze směny, vrátí dosud nezodpovězené tikety
policy-manual = Jen ručně
policy-round_robin = Rotace
policy-least_loaded = Nejméně vytížený
policy-sticky = Stálý kontakt
policy-account_manager = Obchodní zástupce
admin-rules = Pravidla
admin-rules-help = Pravidla mění tikety sama: když tiket vznikne, když se změní (zákazník napíše, agent odpoví nebo ho změní), nebo podle plánu. Běží v tomto pořadí; každé vidí, co změnila ta před ním, a co pravidla změní, je znovu nespustí.
admin-rules-add = Přidat pravidlo
admin-rules-none = Zatím žádná pravidla.
admin-rule-name = Název
admin-rule-trigger = Kdy běží
admin-rule-trigger-help = Podle plánu: kontroluje se každou půlminutu na tiketech, které nejsou uzavřené; na tiketu pravidlo zasáhne jednou, dokud se tiket znovu nezmění. Potřebuje podmínku „hodiny bez změny“ nebo „stáří v hodinách“ alespoň.
admin-rule-conditions = Podmínky
admin-rule-conditions-help = Musí platit všechny (žádná: každý tiket). Seznam se odděluje čárkami a stačí kterákoli hodnota. Slova se hledají od začátku slova, bez ohledu na velikost písmen a diakritiku. Schránky, týmy a agenti podle id (uvedeno na jejich stránkách).
admin-rule-actions = Akce
admin-rule-actions-help = Přiřadit: „policy“ (podle pravidel týmu či schránky), „nobody“ nebo id agenta. Tým: jeho id, prázdné pro žádný. Šablona odpovědi: id sdílené šablony. Upozornit: „assignee“, „team_lead“ nebo id agentů.
admin-rule-enabled = Zapnuto
admin-rule-off = vypnuto
admin-rule-stop = zastaví
admin-rule-stop-label = Když zasáhne, další pravidla přeskočit
admin-rule-every-ticket = každý tiket
admin-rule-up = Nahoru
admin-rule-down = Dolů
admin-rule-delete = Odstranit
admin-rule-field = Pole
admin-rule-op = Porovnání
admin-rule-value = Hodnota
admin-rule-action = Akce
admin-rule-dry-run = Zkušební běh
admin-rule-dry-run-result = Zasáhlo by { $matched } z { $checked } nejnovějších neuzavřených tiketů.
rule-trigger-created = když tiket vznikne
rule-trigger-updated = když se tiket změní
rule-trigger-schedule = podle plánu
rule-field-channel = kanál
rule-field-mailbox = schránka
rule-field-sender = odesílatel
rule-field-sender_domain = doména odesílatele
rule-field-organisation = organizace
rule-field-subject = předmět
rule-field-body = text zákazníka
rule-field-language = jazyk
rule-field-customer_name = jméno zákazníka
rule-field-customer_tickets = tikety zákazníka
rule-field-account_manager = account manažer
rule-field-tag = štítek
rule-field-priority = priorita
rule-field-status = stav
rule-field-team = tým
rule-field-assignee = řešitel
rule-field-idle_hours = hodiny bez změny
rule-field-age_hours = stáří v hodinách
rule-field-event = co se stalo
rule-op-is = je
rule-op-is_not = není
rule-op-contains = obsahuje
rule-op-not_contains = neobsahuje
rule-op-at_least = alespoň
rule-op-at_most = nejvýše
rule-op-set = je vyplněno
rule-op-not_set = není vyplněno
rule-action-set_team = nastavit tým
rule-action-assign = přiřadit
rule-action-add_tag = přidat štítky
rule-action-remove_tag = odebrat štítky
rule-action-set_priority = nastavit prioritu
rule-action-set_status = nastavit stav
rule-action-send_reply = poslat šablonu odpovědi
rule-action-add_note = přidat poznámku
rule-action-notify = upozornit
error-domain = toto není poštovní doména: { $value }
error-organisation-taken = tohle už má jiná organizace: { $what }
inbox-filter-any-organisation = Jakákoli organizace
admin-organisations = Organizace
admin-organisations-help = Firmy, za které zákazníci píší. Pošta z domén organizace (i jejich subdomén) patří k ní: noví zákazníci se k ní připojí, stejně jako ti, kteří už tu jsou, když se doména přidá. Při pravidle account manažera jdou tikety jejích zákazníků jejímu manažerovi (vlastní manažer zákazníka má přednost). Agenti zákazníka přiřadí na panelu zákazníka u tiketu.
admin-organisation-add = Přidat organizaci
admin-organisation-name = Název
admin-organisation-domains = Poštovní domény
admin-organisation-domains-help = Oddělené čárkou, např. firma.cz, firma.sk.
admin-organisation-manager-help = Při pravidle account manažera dostává tikety jejích zákazníků.
admin-organisation-customers = zákazníků: { $count }
error-overflow-after = přetečení potřebuje počet čekajících tiketů od 1 do 10000
error-overflow-team = tým přetéká do jiného týmu
activity-overflow = předáno z { $from } do { $to }: čekalo jich víc než { $after }
admin-routing-overflow-team = Přetéct do
admin-routing-overflow-after = Když jich čeká víc než
admin-routing-overflow-help = Když na někoho čeká víc tiketů tohoto týmu (nepřiřazené, nové či otevřené) než číslo níže, další tiket pro tento tým dostane místo něj vybraný tým (a rozhodne o něm jeho pravidlo).
error-calendar-in-use = tento kalendář používá pravidlo SLA
ack-expected-within = Obvykle odpovídáme do: { $response_time }.
ack-expected-by = Odpovíme nejpozději { $answer_by }.
ack-answer-by = { $weekday_on } { $day }. { $month }. { $year } v { $time } ({ $zone })
weekday-1 = pondělí
weekday-2 = úterý
weekday-3 = středa
weekday-4 = čtvrtek
weekday-5 = pátek
weekday-6 = sobota
weekday-7 = neděle
month-1 = leden
month-2 = únor
month-3 = březen
month-4 = duben
month-5 = květen
month-6 = červen
month-7 = červenec
month-8 = srpen
month-9 = září
month-10 = říjen
month-11 = listopad
month-12 = prosinec
sla-first-response = první odpověď
sla-next-response = další odpověď
sla-resolution = vyřešení
routing-escalated-warning = předáno vedoucímu týmu: { $metric } se blíží termínu
routing-escalated-breach = předáno vedoucímu týmu: { $metric } nestihla termín
notification-sla-warning = { $metric } do { $due }
notification-sla-warning-soon = { $metric }: termín se blíží
notification-sla-breach = { $metric }: termín nestihnut
notification-escalation = předáno vám: { $metric } nestihla nebo nestihne termín
notice-body =
    { $line }.

    Tiket #{ $number }: { $subject }
    { $link }

    Tento e-mail vám posílá helpdesk, protože jde o váš tiket nebo tiket vašeho týmu. Vypnout ho můžete ve svém účtu: { $account }
activity-sla-breach = nestihl termín: { $metric } (do { $due })
sla-due-in = zbývá { $time }
sla-overdue = po termínu o { $time }
sla-paused = pozastaveno: čeká na zákazníka
sla-met = splněno
sla-met-late = splněno pozdě
sla-due-column = Termín
inbox-sort-due = Nejbližší termín
account-mail-notifications = Posílat mi upozornění na termíny a předání i e-mailem
admin-sla = Pracovní doba a SLA
admin-sla-help = Kalendář říká, kdy tým pracuje; SLA pravidlo určuje, jak brzy se musí tikety jeho schránek zodpovědět a vyřešit, počítáno v pracovní době kalendáře. Přehled ukazuje zbývající čas; řešitel a vedoucí týmu se dozví, než termín uplyne, i když uplyne.
admin-calendars = Kalendáře
admin-calendars-none = Zatím žádný kalendář.
admin-calendar-add = Přidat kalendář
admin-calendar-name = Název
admin-calendar-zone = Časové pásmo
admin-calendar-week = Pracovní doba
admin-calendar-week-help = Dny a hodiny anglickými zkratkami, např. „mon-fri 09:00-17:00, sat 10:00-14:00“; 22:00-06:00 běží přes půlnoc.
admin-calendar-holidays = Svátky
admin-calendar-holidays-help = Jeden na řádek, datum a název: 2026-12-24 Štědrý den. V tyto dny hodiny neběží.
admin-calendar-public = Přidat státní svátky
admin-calendar-public-help = Přidá do seznamu státní svátky země v tomto roce; dny, které už tam jsou, zůstanou.
admin-calendar-country = Země
admin-calendar-year = Rok
country-cz = Česko
country-pl = Polsko
country-ru = Rusko
admin-sla-policies = SLA pravidla
admin-sla-policies-none = Zatím žádné SLA pravidlo: tikety se neměří.
admin-sla-policy-add = Přidat SLA pravidlo
admin-sla-calendar-first = Nejdřív přidejte kalendář: pravidlo počítá čas v jeho pracovní době.
admin-sla-policy-calendar = Kalendář
admin-sla-policy-calendar-help = Do termínů se počítá jen pracovní doba tohoto kalendáře.
admin-sla-targets = Termíny
admin-sla-targets-help = Pracovní čas: 30m, 8h, 1h30m (tři osmihodinové dny jsou 24h). Pro kanál a prioritu tiketu platí nejpřesnější řádek; „jakýkoli“ sedí na každý. Prázdný čas: bez termínu.
admin-sla-channel = Kanál
admin-sla-priority = Priorita
admin-sla-any = jakýkoli
admin-sla-policy-warn = Upozornit předem
admin-sla-policy-warn-help = Jak dlouho před termínem se to řešitel a vedoucí týmu dozví (např. 30m, 1h).
admin-sla-policy-escalate = Předat vedoucímu týmu
admin-sla-policy-escalate-help = Dá tiket vedoucímu jeho týmu, s důvodem v historii.
admin-sla-escalate-off = nikdy, jen upozornit
admin-sla-escalate-warning = když se termín blíží
admin-sla-escalate-breach = když termín uplyne
admin-sla-policy-mailboxes = Měřené schránky
admin-sla-policy-mailboxes-help = Schránku měří jedno pravidlo: zaškrtnutím ji vezmete jakémukoli jinému.
channel-email = E-mail
channel-api = API
channel-web = Webový formulář
channel-chat = Chat
notice-rule = Pravidlo „{ $rule }“ vás žádá, abyste se na tiket podívali
greeting-neutral = Dobrý den,
greeting-formal = { $gender ->
    [male] Dobrý den, pane { $name },
    [female] Dobrý den, paní { $name },
   *[other] Dobrý den,
}
greeting-informal = Ahoj { $name },
weekday-on-1 = v pondělí
weekday-on-2 = v úterý
weekday-on-3 = ve středu
weekday-on-4 = ve čtvrtek
weekday-on-5 = v pátek
weekday-on-6 = v sobotu
weekday-on-7 = v neděli
admin-mailbox-language = Jazyk zákazníků
admin-mailbox-language-help = Pro nového zákazníka, z jehož zprávy jazyk nepoznáme (je moc krátká nebo v jazyce, pro který tu texty nemáme).
admin-ack-versions = Potvrzení v dalších jazycích
admin-ack-versions-help = Zákazník, pro jehož jazyk tu je verze, dostane ji; ostatní dostanou text výše.
admin-installation-default = výchozí jazyk instalace
admin-default-language = Výchozí jazyk
admin-default-language-help = Pro přihlašovací stránku, když prohlížeč nechce žádný z našich jazyků, pro nové agenty a pro schránky, které jazyk nemají nastavený.
month-of-1 = ledna
month-of-2 = února
month-of-3 = března
month-of-4 = dubna
month-of-5 = května
month-of-6 = června
month-of-7 = července
month-of-8 = srpna
month-of-9 = září
month-of-10 = října
month-of-11 = listopadu
month-of-12 = prosince
date-time = { $day }. { $month_name } { $year } { $time_short }
admin-mailbox-time-zone = Časové pásmo
admin-mailbox-time-zone-help = Data v e-mailech této schránky se píší v tomto pásmu (např. Europe/Prague); prázdné: pásmo jejího kalendáře SLA.

## knowledge base and help centre
error-kb-image-type = Do článku lze vložit jen obrázky PNG, JPEG, GIF a WebP.
error-kb-language-fixed = Jazyk článku nelze změnit; napište raději překlad.
error-kb-read-only = Vaše role může znalostní bázi číst, ale ne do ní psát.
error-kb-taken = { $what } už používá jiná kategorie.
error-kb-translation-fixed = Čí překlad článek je, se určuje při jeho napsání.
error-title-required = Nadpis je povinný.
error-unknown-article = Takový článek neexistuje.
error-unknown-category = Taková kategorie neexistuje.
help-title = Centrum nápovědy
help-description = Odpovědi na časté otázky: objednávky, doprava, vrácení zboží a platby.
help-all-articles = { $count ->
    [one] { $count } článek
    [few] Všechny { $count } články
   *[other] Všech { $count } článků
}
help-also-in = Také v jazyce:
help-breadcrumb = Jste zde
help-empty = Zatím tu nejsou žádné články.
help-search = Hledat v centru nápovědy
help-search-button = Hledat
help-search-results = Výsledky pro „{ $query }“
help-search-none = Na tato slova jsme nic nenašli. Zkuste jiná slova, nebo nám napište.
help-helpful = Pomohl vám tento článek?
help-yes = Ano
help-no = Ne
help-thanks = Děkujeme za zpětnou vazbu.
help-languages = Jazyky
help-other = Další články
help-permalink = Odkaz na tuto odpověď
help-pinned = Oblíbená témata
help-related = Související články
help-skip = Přejít na obsah
help-updated = Aktualizováno { $date }
kb-title = Znalostní báze
kb-new = Nový článek
kb-open-help = Otevřít centrum nápovědy
kb-language = Jazyk
kb-filter = Zobrazit
kb-article = Článek
kb-article-title = Nadpis
kb-status = Stav
kb-status-draft = Koncept
kb-status-published = Zveřejněno
kb-status-changed = Zveřejněno, se nezveřejněnými změnami
kb-votes = Užitečnost
kb-updated = Změněno
kb-internal = interní
kb-internal-help = Interní: jen pro agenty, nikdy v centru nápovědy
kb-pinned-help = Připnout na úvodní stránku centra nápovědy
kb-no-category = Bez kategorie
kb-category = Kategorie
kb-categories = Kategorie
kb-category-add = Přidat kategorii
kb-category-delete = Smazat tuto kategorii (její články zůstanou)
kb-category-kind = Druh
kb-kind-articles = Články
kb-position = Pořadí
kb-description = Popis
kb-slug = Adresa (slug)
kb-markdown = Text (Markdown)
kb-preview = Náhled
kb-image = Přidat obrázek
kb-save-draft = Uložit koncept
kb-publish = Zveřejnit
kb-unpublish = Stáhnout z centra nápovědy
kb-delete = Smazat tento článek i s historií
kb-history = Historie
kb-current = aktuální koncept
kb-restore = Udělat z této verze koncept
kb-translations = Překlady:
kb-translate = Přeložit do jazyka { $language }
error-brand-colour = „{ $value }“ není barva ve tvaru #1a56b0.
error-brand-contrast = Bílý text na { $colour } se špatně čte (kontrast { $ratio }:1; potřeba je aspoň 4,5:1): zvolte tmavší barvu.
kb-brand = Vzhled centra nápovědy
kb-brand-name = Název
kb-brand-colour = Barva
kb-brand-logo = Logo
kb-brand-remove-logo = Odstranit logo
