# podpora — polski

app-name = podpora
nav-inbox = Skrzynka
nav-admin = Administracja
nav-account = Moje konto
nav-logout = Wyloguj się
nav-notifications = Powiadomienia
notification-mention = { $name } wspomina o Tobie
notification-rule = reguła „{ $rule }”

login-title = Logowanie
login-email = E-mail
login-password = Hasło
login-submit = Zaloguj się
login-failed = Nieprawidłowy e-mail lub hasło.
login-throttled = Zbyt wiele nieudanych prób logowania. Odczekaj kilka minut i spróbuj ponownie.
login-disabled = To konto jest zablokowane.

csrf-failed = Formularz wygasł albo pochodzi z innej strony. Odśwież stronę i spróbuj ponownie.
not-found = Nie znaleziono albo nie masz do tego dostępu.
forbidden = Nie możesz tego zrobić.
error-title = Coś poszło nie tak
error-invalid-address = „{ $value }” nie jest prawidłowym adresem e-mail.
error-invalid-number = „{ $value }” nie jest numerem zgłoszenia.
error-unknown-value = Nieznana wartość ({ $kind }): { $value }.
error-template = W szablonie jest błąd: { $detail }
error-unknown-language = Nieznany język.
error-one-tag = Zmieniaj nazwę na jeden tag naraz.
error-tag = Tag musi mieć od 1 do 64 drukowalnych znaków.
error-reply-or-note = Wybierz odpowiedź albo notatkę wewnętrzną.
error-unknown-agent = Nieznany agent.
error-reminder = Przypomnienie nie jest prawidłową datą i godziną.
error-unknown-team = Nieznany zespół.
error-unknown-snooze = Nieznany czas odłożenia.
error-choose-colleague = Wybierz współpracownika.
error-attachments-size = Załączniki mogą mieć łącznie najwyżej { $mb } MB.
error-unknown-action = Nieznana akcja.
error-name-required = Imię i nazwisko są wymagane.
error-password-short = Hasło musi mieć co najmniej 10 znaków.
error-capacity = Pojemność to liczba zgłoszeń od 0 do { $max }.
error-language-code = „{ $code }” nie jest kodem języka (dwie lub trzy litery, np. pl, cs, en).
error-storage = Baza danych jest teraz niedostępna. Spróbuj ponownie za chwilę.
error-detail = { $detail }
error-admin-only = Może to zrobić tylko administrator.
error-light-agent-status = Agent z ograniczonymi uprawnieniami nie może zmieniać statusu zgłoszenia ani łączyć czy dzielić zgłoszeń.
error-agent-no-access = { $name } nie widzi skrzynki tego zgłoszenia; najpierw przydziel mu tę skrzynkę.
error-merge-itself = Nie można połączyć zgłoszenia z nim samym.
error-split-first = Pierwszej wiadomości nie można wydzielić: to jest samo zgłoszenie.
error-file-name = Każdy załącznik musi mieć nazwę pliku.
error-content-type = „{ $value }” nie jest typem treści.
error-too-long = Pole { $field } może mieć najwyżej { $max } znaków.
error-channel = Zgłoszenie wpisane ręcznie przychodzi kanałem „api” lub „web”, a nie „{ $value }”.
saved = Zapisano.

view-unassigned = Nieprzydzielone
view-mine = Moje
view-open = Wszystkie otwarte
view-pending = Oczekujące
view-solved = Rozwiązane
view-closed = Zamknięte
view-all = Wszystkie
view-mailbox = Skrzynka
view-team = Zespół
view-tag = Tag

inbox-search = Szukaj zgłoszeń, klientów, #numeru
inbox-search-submit = Szukaj
inbox-sort-oldest = Najpierw najstarsze
inbox-sort-newest = Najpierw najnowsze
inbox-empty = Brak zgłoszeń.
inbox-next = Następna strona
inbox-first = Pierwsza strona
inbox-new-arrived = Nowe lub zmienione zgłoszenia — odśwież
inbox-bulk-selected = Z zaznaczonymi:
inbox-bulk-apply = Zastosuj
inbox-filter-any-priority = Dowolny priorytet
tickets-count = { $count ->
    [one] { $count } zgłoszenie
    [few] { $count } zgłoszenia
   *[other] { $count } zgłoszeń
}

bulk-assign-me = Przydziel mnie
bulk-assign-to = Przydziel do
bulk-unassign = Usuń przydział
bulk-close = Zamknij
bulk-solve = Oznacz jako rozwiązane
bulk-tag = Dodaj tag
bulk-merge = Połącz w najstarsze
bulk-done = { $count ->
    [one] Zmieniono { $count } zgłoszenie.
    [few] Zmieniono { $count } zgłoszenia.
   *[other] Zmieniono { $count } zgłoszeń.
}
bulk-none = Zaznacz co najmniej jedno zgłoszenie.
bulk-merge-needs-two = Aby połączyć, zaznacz co najmniej dwa zgłoszenia.

col-number = Numer
col-subject = Temat
col-customer = Klient
col-status = Status
col-assignee = Osoba odpowiedzialna
col-updated = Zmieniono
col-priority = Priorytet

status-new = Nowe
status-open = Otwarte
status-pending = Oczekuje
status-solved = Rozwiązane
status-closed = Zamknięte

priority-low = Niski
priority-normal = Normalny
priority-high = Wysoki
priority-urgent = Pilny

ticket-title = Zgłoszenie { $number }
ticket-from = Od
ticket-to = Do
ticket-cc = DW
ticket-note = Notatka wewnętrzna
ticket-quoted = Pokaż cytowany tekst
ticket-signature = Podpis
ticket-raw = Oryginał (.eml)
ticket-formatted = Sformatowane
ticket-images-blocked = Zdalne obrazy są zablokowane.
ticket-images-show = Pokaż obrazy
ticket-attachments = Załączniki
ticket-delivery-queued = w kolejce
ticket-delivery-sent = wysłano
ticket-delivery-failed = nie udało się: { $error }
ticket-related = Powiązane z { $number }
ticket-merged-into = Połączone z { $number }
ticket-properties = Właściwości
ticket-status = Status
ticket-assignee = Osoba odpowiedzialna
ticket-nobody = Nikt
ticket-team = Zespół
ticket-no-team = Bez zespołu
ticket-priority = Priorytet
ticket-tags = Tagi
ticket-tags-hint = oddzielone przecinkami
ticket-remind = Przypomnij o
ticket-save = Zapisz
ticket-merge = Połącz ze zgłoszeniem
ticket-merge-submit = Połącz
ticket-merge-done = Połączono z { $number }.
ticket-split = Wydziel do nowego zgłoszenia
ticket-snooze = Odłóż
ticket-snooze-1h = na godzinę
ticket-snooze-tomorrow = do jutra, 9:00
ticket-snooze-week = na tydzień
ticket-handover = Przekaż
ticket-handover-to = Komu
ticket-handover-note = Co powinna wiedzieć następna osoba
ticket-handover-submit = Przekaż
ticket-changed = Zgłoszenie zmieniło się od otwarcia — odśwież
ticket-activity = Historia
ticket-viewing = Tu również:
ticket-typing = pisze odpowiedź…
ticket-messages-count = { $count ->
    [one] { $count } wiadomość
    [few] { $count } wiadomości
   *[other] { $count } wiadomości
}

reply-title = Odpowiedź
reply-note-title = Notatka wewnętrzna
reply-body = Wiadomość
reply-to-participants = Odbiorcy
reply-cc = DW
reply-bcc = UDW
reply-attach = Załącz pliki
reply-send = Wyślij odpowiedź
reply-add-note = Dodaj notatkę
reply-template = Wstaw gotową odpowiedź
reply-template-none = Nie ma jeszcze gotowych odpowiedzi.
reply-collision = { $name } odpowiada na to zgłoszenie, odkąd je otworzyłeś. Przeczytaj tę odpowiedź poniżej; mimo to wysłać Twoją?
reply-send-anyway = Wyślij mimo to
reply-sent = Odpowiedź czeka na wysłanie.
reply-noted = Dodano notatkę.
reply-empty = Najpierw napisz wiadomość.
reply-light-agent = Agent z ograniczonymi uprawnieniami może dodawać tylko notatki wewnętrzne.
reply-no-outbound = Nie skonfigurowano serwera wysyłki: poczta wychodząca jest zapisywana jako pliki .eml w folderze danych.

customer-title = Klient
customer-name = Imię i nazwisko
customer-addresses = Adresy
customer-organisation = Organizacja
customer-notes = Notatki o kliencie
customer-language = Język
customer-other-tickets = Inne zgłoszenia
customer-none = Brak innych zgłoszeń.
customer-save = Zapisz klienta

activity-status = zmienia status z { $from } na { $to }
activity-assign = przydziela do: { $to }
activity-unassign = usuwa przydział
activity-tags = zmienia tagi: { $detail }
activity-team = przekazuje zespołowi { $team }
activity-team-clear = zabiera zespołowi
activity-priority = zmienia priorytet z { $from } na { $to }
activity-remind = ustawia przypomnienie na { $when }
activity-remind-clear = usuwa przypomnienie
activity-reminder = Minął czas przypomnienia: zgłoszenie wraca do kolejki.
activity-reply = odpowiada klientowi
activity-note = dodaje notatkę
activity-merged-into = łączy to zgłoszenie z { $number }
activity-merged-from = dołącza tu zgłoszenie { $number }
activity-split-to = wydziela wiadomości do { $number }
activity-split-from = wydziela to zgłoszenie z { $number }
activity-handover = przekazuje do: { $to }: { $note }
activity-customer = edytuje dane klienta
activity-system = podpora

account-title = Moje konto
account-language = Język
account-status = Dostępność
account-status-help = Współpracownicy i przydzielanie widzą, czy jesteś i przyjmujesz pracę.
agent-status-online = Dostępny
agent-status-away = Zaraz wracam
agent-status-off = Poza zmianą
account-password = Zmiana hasła
account-password-current = Obecne hasło
account-password-new = Nowe hasło (co najmniej 10 znaków)
account-password-wrong = Obecne hasło jest nieprawidłowe.
account-password-changed = Hasło zmienione. Pozostałe sesje zostały wylogowane.
account-save = Zapisz

canned-title = Gotowe odpowiedzi
canned-name = Nazwa
canned-body = Tekst
canned-shared = Wspólna dla wszystkich
canned-personal = Osobista
canned-add = Dodaj gotową odpowiedź
canned-delete = Usuń
canned-variables = Zmienne: { $list }

admin-title = Administracja
outbox-queued = Czeka na wysłanie
outbox-sent = Wysłane
outbox-failed = Nieudane
outbox-retrying = Czeka na ponowną próbę
outbox-oldest = Najstarsza niewysłana wiadomość czeka od
admin-agents = Agenci
admin-teams = Zespoły
admin-team-name = Nazwa zespołu
admin-team-lead = Lider zespołu
admin-team-lead-help = Dostaje ostrzeżenie, zanim zgłoszenie zespołu przekroczy termin, i trafiają do niego eskalacje. Lider spoza zespołu zostaje jego członkiem.
admin-team-add = Dodaj zespół
admin-mailboxes = Skrzynki
admin-outbound = Poczta wychodząca
admin-add-agent = Dodaj agenta
admin-agent-email = E-mail
admin-agent-name = Imię i nazwisko
admin-agent-role = Rola
admin-agent-password = Hasło początkowe (co najmniej 10 znaków)
admin-agent-disabled = Zablokowany
admin-agent-all-mailboxes = Wszystkie skrzynki
admin-agent-mailboxes = Skrzynki
admin-agent-save = Zapisz
admin-agent-created = Agent został utworzony.
admin-cannot-demote-self = Nie możesz odebrać sobie roli administratora ani zablokować własnego konta.
admin-mailbox-address = Adres
admin-mailbox-name = Nazwa
admin-mailbox-imap = Adres URL IMAP
admin-mailbox-imap-kept = pozostaw puste, aby zachować zapisany
admin-mailbox-add = Dodaj skrzynkę
admin-mailbox-test = Sprawdź połączenie
admin-mailbox-test-ok = Połączono: { $detail }
admin-mailbox-test-failed = Połączenie nieudane: { $detail }
admin-mailbox-health = Ostatnie pobieranie { $when }, pobrano: { $count }
admin-mailbox-never = jeszcze nie pobierano
admin-mailbox-error = Ostatni błąd: { $error }
admin-mailbox-signature = Podpis
admin-ack-enabled = Wysyłaj automatyczne potwierdzenie
admin-ack-subject = Temat potwierdzenia
admin-ack-body = Treść potwierdzenia
admin-support-hours = Godziny pracy
admin-response-time = Spodziewany czas odpowiedzi
admin-alternative-contacts = Inne kontakty
admin-tags = Używane tagi
admin-tag-rename = Zmień nazwę
admin-tag-delete = Usuń wszędzie
admin-set-aside = Odłożona poczta
admin-reprocess = Przetwórz ponownie

admin-overview = Przegląd
admin-mail = Poczta
admin-agents-help = Kto pracuje w helpdesku. Agenci widzą zgłoszenia przydzielonych im skrzynek; agenci z ograniczonymi uprawnieniami mogą dodawać notatki wewnętrzne, ale nigdy nie piszą do klientów; administratorzy widzą i konfigurują wszystko.
admin-agent-role-help = Administrator: wszystko. Agent: odpowiada klientom. Agent z ograniczonymi uprawnieniami: tylko notatki wewnętrzne.
admin-agent-mailboxes-help = Skrzynki, których zgłoszenia ten agent widzi i otrzymuje.
admin-agent-disabled-help = Zablokowany agent nie może się zalogować; jego sesje od razu się kończą. Jego praca zostaje.
admin-agent-capacity = Pojemność
admin-agent-capacity-help = Ile otwartych zgłoszeń agent bierze naraz; przydzielanie według obciążenia liczy się z tym.
admin-agent-languages = Języki
admin-agent-languages-help = Kody języków, w których agent odpowiada, oddzielone przecinkami (pl, cs, en).
admin-agent-skills = Umiejętności
admin-agent-hours = Godziny pracy
admin-agent-hours-help = Na przykład „mon-fri 09:00-17:00, sat 10:00-14:00” oraz strefa czasowa (Europe/Warsaw). Poza tymi godzinami agent jest poza zmianą. Puste: liczy się tylko jego status.
admin-agent-time-zone = Strefa czasowa
admin-teams-help = Zgłoszenie przekazane zespołowi pojawia się w widoku tego zespołu.
admin-tags-help = Zmiana nazwy na istniejący tag scala oba; usunięcie zdejmuje tag ze wszystkich zgłoszeń.
admin-tags-none = Nie ma jeszcze używanych tagów.
admin-mailboxes-help = Każdy adres pomocy, na który piszą klienci.
admin-mailbox-smtp-help = Poczta trafia do niej przez serwer SMTP na { $addr }, potok z MTA (podpora ingest) lub pobieranie z IMAP.
admin-mailbox-smtp-off = Serwer SMTP jest wyłączony: poczta trafia przez pobieranie z IMAP lub potok z MTA (podpora ingest).
admin-mailbox-no-imap = Bez pobierania z IMAP: poczta przychodzi przez serwer SMTP lub potok.
admin-mailbox-imap-help = imap://uzytkownik:haslo@serwer:143/INBOX lub imaps://…:993/INBOX; hasło zostanie zapisane i nigdy więcej nie będzie pokazane.
admin-mailbox-name-help = Klienci widzą ją jako nadawcę („Anna (Obsługa sklepu)”); gdy puste, widzą adres.
admin-ack-help = Wysyłane raz do każdego nowego zgłoszenia, nigdy na pocztę automatyczną, najwyżej 3 razy na godzinę do jednego nadawcy.
admin-ack-default = puste: domyślny tekst w języku klienta
admin-ack-variables = Zmienne: { $list }
admin-set-aside-help = Poczta, z której nie dało się utworzyć zgłoszenia (nieczytelna, zwroty, pętle). Nic nie ginie: każdą można pobrać w postaci, w jakiej przyszła, i przetworzyć ponownie.
admin-set-aside-none = Brak odłożonej poczty.
setup-done = Gotowe
setup-warning = Do sprawdzenia
setup-missing = Brakuje
setup-no-mailbox = Nie ma jeszcze adresu pomocy: dodaj go, aby poczta stawała się zgłoszeniami.
setup-mailboxes = Adresy pomocy: { $list }.
setup-imap-error = { $address } nie może pobierać poczty: { $error }
setup-smtp-tls = Serwer SMTP na { $addr } oferuje STARTTLS.
setup-smtp-local = Serwer SMTP na { $addr } przyjmuje pocztę tylko z tego komputera (przed nim stoi MTA lub to testy).
setup-smtp-no-tls = Serwer SMTP na { $addr } przyjmuje pocztę z sieci bez TLS: ustaw PODPORA_SMTP_TLS_CERT i PODPORA_SMTP_TLS_KEY.
setup-smtp-off = Serwer SMTP jest wyłączony; poczta przychodzi przez IMAP lub potok z MTA.
setup-relay = Poczta wychodząca idzie przez { $relay }.
setup-no-relay = Brak serwera dla poczty wychodzącej: { $detail }. Klienci nic nie dostaną, dopóki nie ustawisz PODPORA_SMTP_RELAY.
setup-failed-mail = { $count ->
    [one] Nie udało się wysłać jednej wiadomości.
    [few] Nie udało się wysłać { $count } wiadomości.
   *[other] Nie udało się wysłać { $count } wiadomości.
}
setup-set-aside = { $count ->
    [one] Jedna odebrana wiadomość jest odłożona.
    [few] { $count } odebrane wiadomości są odłożone.
   *[other] { $count } odebranych wiadomości jest odłożonych.
}
setup-public-url-unset = Linki w wiadomościach prowadzą do { $url }, utworzonego z adresu HTTP: ustaw PODPORA_PUBLIC_URL na adres, którego używają klienci i agenci.
setup-public-url-http = Publiczny adres { $url } to zwykłe http: postaw podporę za https.
setup-public-url = Publiczny adres to { $url }.
setup-agents = Zalogować się może agentów: { $count }.
setup-only-you = Jesteś jedynym agentem: dodaj współpracowników.
error-imap-url = Adresu URL IMAP nie da się użyć: { $detail }
error-ack-subject = W temacie potwierdzenia jest błąd: { $detail }
role-admin = Administrator
role-agent = Agent
role-light_agent = Agent z ograniczonymi uprawnieniami

time-just-now = przed chwilą
time-minutes-ago = { $n } min temu
time-hours-ago = { $n } godz. temu
time-days-ago = { $n } dni temu

keys-help = Klawisze: j/k ruch, Enter otwórz, r odpowiedz, n notatka, a przydziel, / szukaj

# Teksty dla klientów
reply-quote-header = W dniu { $when } { $who } napisał(a):
ack-customer = Kliencie
ack-no-articles = - (nasze centrum pomocy dopiero powstaje)
ack-default-hours = od poniedziałku do piątku
ack-default-response-time = jeden dzień roboczy
ack-subject = { $ticket_tag } Otrzymaliśmy Twoją wiadomość: { $subject }
ack-body = { $greeting }

    dziękujemy za wiadomość do { $mailbox_name }. Zarejestrowaliśmy ją jako zgłoszenie { $ticket_number }.

    Jesteśmy do dyspozycji: { $support_hours }
    { $expected }

    W pilnych sprawach możesz się z nami skontaktować również tak: { $alternative_contacts }

    Być może na Twoje pytanie odpowiadają już te artykuły:
    { $help_articles }

    Jeśli chcesz coś dodać, po prostu odpowiedz na tego e-maila i zostaw numer zgłoszenia w temacie.
routing-turn = po kolei: następny z { $available } dostępnych
routing-load = najmniej obciążony: { $open } z { $capacity } otwartych zgłoszeń
routing-sticky = stały kontakt: odpowiadał(a) { $days ->
    [0] dzisiaj
    [1] wczoraj
   *[other] { $days } dni temu
}
routing-manager-customer = opiekun klienta
routing-manager-organisation = opiekun organizacji
routing-rule = reguła „{ $rule }”
routing-nobody = nikt nie jest dostępny: czeka w kolejce
routing-language = mówi w języku: { $language }
routing-skills = umiejętności { $skills }
routing-missed-helper = { $agent }, który(a) odpowiadał(a) ostatnio, jest niedostępny(a)
routing-missed-no-helper = nikt nie odpowiadał temu klientowi w ciągu ostatnich { $days } dni
routing-missed-no-manager = brak opiekuna
routing-missed-manager-elsewhere = opiekun { $agent } tu nie pracuje
activity-routed = przydziela do: { $to }: { $why }
activity-routed-wait = { $why }
routing-by-hand = przydzielone ręcznie
activity-rule = zadziałała reguła „{ $rule }”
activity-rule-failed = reguła nie mogła zadziałać: { $detail }
error-rule-unknown-id = nie ma takiego zespołu, skrzynki ani aktywnego agenta: { $id }
error-rule-unknown-canned = nie ma wspólnej gotowej odpowiedzi { $id }
activity-released = zabiera je od { $from }, który(a) skończył(a) zmianę przed pierwszą odpowiedzią
customer-account-manager = Opiekun klienta
error-sticky-days = Okno stałego kontaktu to od 1 do 365 dni.
admin-routing = Przydzielanie
admin-routing-help = Kto dostaje nowe zgłoszenie. Pracę biorą agenci dostępni i poniżej swojej pojemności (ustawianej na stronie Agenci); każda decyzja trafia do historii zgłoszenia wraz z powodem.
admin-routing-no-mailboxes = Nie ma jeszcze adresu pomocy.
admin-routing-teams-help = O zgłoszeniach przekazanych zespołowi (przez człowieka lub regułę) decyduje zasada zespołu; gdy jest ręczna, decyduje zasada skrzynki.
admin-routing-policy = Przydzielanie
admin-routing-policy-help = Po kolei — zgłoszenia trafiają do agentów na zmianę; najmniej obciążony — do tego, kto ma najmniejszą część pojemności zajętą; stały kontakt — powracający klient trafia do agenta, który odpowiadał mu ostatnio; opiekun klienta — klient trafia do swojego opiekuna.
admin-routing-fallback = Gdy stały kontakt lub opiekun nie rozstrzyga
admin-routing-fallback-help = W oknie nie ma wcześniejszej odpowiedzi, ten agent jest niedostępny albo klient nie ma opiekuna.
admin-routing-sticky-days = Okno stałego kontaktu (dni)
admin-routing-by-language = Preferuj agentów mówiących w języku klienta
admin-routing-off-shift = Agent kończący zmianę oddaje zgłoszenia, na które jeszcze nie odpowiedziano
policy-manual = Tylko ręcznie
policy-round_robin = Po kolei
policy-least_loaded = Najmniej obciążony
policy-sticky = Stały kontakt
policy-account_manager = Opiekun klienta
admin-rules = Reguły
admin-rules-help = Reguły same zmieniają zgłoszenia: gdy zgłoszenie powstaje, gdy się zmienia (klient pisze, agent odpowiada lub je zmienia) albo według harmonogramu. Działają w tej kolejności; każda widzi, co zmieniły poprzednie, a zmiany wprowadzone przez reguły nie uruchamiają ich ponownie.
admin-rules-add = Dodaj regułę
admin-rules-none = Nie ma jeszcze reguł.
admin-rule-name = Nazwa
admin-rule-trigger = Uruchamia się
admin-rule-trigger-help = Według harmonogramu: sprawdzana co pół minuty na niezamkniętych zgłoszeniach; na danym zgłoszeniu działa raz, dopóki ono znowu się nie zmieni. Wymaga co najmniej „godzin bez aktywności” albo „wieku w godzinach”.
admin-rule-conditions = Warunki
admin-rule-conditions-help = Wszystkie muszą być spełnione (brak: każde zgłoszenie). Listę oddziela się przecinkami i wystarczy dowolna z jej wartości. Słowa pasują od początku słowa, bez względu na wielkość liter i znaki diakrytyczne. Skrzynki, zespoły i agenci według id (pokazanego na ich stronach administracji).
admin-rule-actions = Akcje
admin-rule-actions-help = Przydziel: „policy” (według zasady zespołu lub skrzynki), „nobody” albo id agenta. Zespół: jego id, puste — bez zespołu. Gotowa odpowiedź: id wspólnej. Powiadom: „assignee”, „team_lead” albo id agentów.
admin-rule-enabled = Włączona
admin-rule-off = wyłączona
admin-rule-stop = zatrzymuje
admin-rule-stop-label = Gdy zadziała, pomiń reguły po niej
admin-rule-every-ticket = każde zgłoszenie
admin-rule-up = W górę
admin-rule-down = W dół
admin-rule-delete = Usuń
admin-rule-field = Pole
admin-rule-op = Porównanie
admin-rule-value = Wartość
admin-rule-action = Akcja
admin-rule-dry-run = Próba na sucho
admin-rule-dry-run-result = Zadziałałaby na { $matched } z { $checked } najnowszych niezamkniętych zgłoszeń.
rule-trigger-created = gdy zgłoszenie powstaje
rule-trigger-updated = gdy zgłoszenie się zmienia
rule-trigger-schedule = według harmonogramu
rule-field-channel = kanał
rule-field-mailbox = skrzynka
rule-field-sender = nadawca
rule-field-sender_domain = domena nadawcy
rule-field-organisation = organizacja
rule-field-subject = temat
rule-field-body = tekst klienta
rule-field-language = język
rule-field-customer_name = imię i nazwisko klienta
rule-field-customer_tickets = zgłoszenia klienta
rule-field-account_manager = opiekun klienta
rule-field-tag = tag
rule-field-priority = priorytet
rule-field-status = status
rule-field-team = zespół
rule-field-assignee = osoba odpowiedzialna
rule-field-idle_hours = godziny bez aktywności
rule-field-age_hours = wiek w godzinach
rule-field-event = co się stało
rule-op-is = jest
rule-op-is_not = nie jest
rule-op-contains = zawiera
rule-op-not_contains = nie zawiera
rule-op-at_least = co najmniej
rule-op-at_most = najwyżej
rule-op-set = jest ustawione
rule-op-not_set = nie jest ustawione
rule-action-set_team = ustaw zespół
rule-action-assign = przydziel
rule-action-add_tag = dodaj tagi
rule-action-remove_tag = usuń tagi
rule-action-set_priority = ustaw priorytet
rule-action-set_status = ustaw status
rule-action-send_reply = wyślij gotową odpowiedź
rule-action-add_note = dodaj notatkę
rule-action-notify = powiadom
error-domain = to nie jest domena pocztowa: { $value }
error-organisation-taken = inna organizacja ma już taką wartość: { $what }
inbox-filter-any-organisation = Dowolna organizacja
admin-organisations = Organizacje
admin-organisations-help = Firmy, w imieniu których piszą Twoi klienci. Poczta z domen organizacji (i ich subdomen) należy do niej: dołączają do niej nowi klienci, a po dodaniu domeny także ci, którzy już są. Przy zasadzie opiekuna zgłoszenia jej klientów trafiają do jej opiekuna (własny opiekun klienta ma pierwszeństwo). Agenci przypisują klienta w panelu klienta na zgłoszeniu.
admin-organisation-add = Dodaj organizację
admin-organisation-name = Nazwa
admin-organisation-domains = Domeny pocztowe
admin-organisation-domains-help = Oddzielone przecinkami, np. firma.pl, firma.cz.
admin-organisation-manager-help = Przy zasadzie opiekuna dostaje zgłoszenia jej klientów.
admin-organisation-customers = { $count ->
    [one] { $count } klient
    [few] { $count } klientów
   *[other] { $count } klientów
}
error-overflow-after = przelew wymaga liczby czekających zgłoszeń od 1 do 10000
error-overflow-team = zespół przelewa się do innego zespołu
activity-overflow = przekazane z { $from } do { $to }: czekało ich więcej niż { $after }
admin-routing-overflow-team = Przelej do
admin-routing-overflow-after = Gdy czeka więcej niż
admin-routing-overflow-help = Gdy na kogoś czeka więcej zgłoszeń tego zespołu (nieprzydzielonych, nowych lub otwartych), niż wynosi liczba poniżej, następne zgłoszenie dla niego trafia zamiast tego do wybranego zespołu (i decyduje o nim zasada tamtego zespołu).
error-calendar-in-use = ten kalendarz jest używany przez zasadę SLA
ack-expected-within = Zwykle odpowiadamy w ciągu: { $response_time }.
ack-expected-by = Odpowiemy najpóźniej { $answer_by }.
ack-answer-by = { $weekday_on } { $day }.{ $month }.{ $year } o { $time } ({ $zone })
weekday-1 = poniedziałek
weekday-2 = wtorek
weekday-3 = środa
weekday-4 = czwartek
weekday-5 = piątek
weekday-6 = sobota
weekday-7 = niedziela
month-1 = styczeń
month-2 = luty
month-3 = marzec
month-4 = kwiecień
month-5 = maj
month-6 = czerwiec
month-7 = lipiec
month-8 = sierpień
month-9 = wrzesień
month-10 = październik
month-11 = listopad
month-12 = grudzień
sla-first-response = pierwsza odpowiedź
sla-next-response = kolejna odpowiedź
sla-resolution = rozwiązanie
routing-escalated-warning = eskalowane do lidera zespołu: zbliża się termin ({ $metric })
routing-escalated-breach = eskalowane do lidera zespołu: przekroczono termin ({ $metric })
notification-sla-warning = { $metric } do { $due }
notification-sla-warning-soon = { $metric }: termin się zbliża
notification-sla-breach = { $metric }: termin przekroczony
notification-escalation = eskalowane do Ciebie: { $metric } — termin przekroczony lub bliski
notice-body =
    { $line }.

    Zgłoszenie #{ $number }: { $subject }
    { $link }

    Ten e-mail wysyła helpdesk, bo zgłoszenie jest Twoje lub Twojego zespołu. Możesz wyłączyć te wiadomości na stronie swojego konta: { $account }
activity-sla-breach = przekroczono termin: { $metric } (do { $due })
sla-due-in = zostało { $time }
sla-overdue = po terminie o { $time }
sla-paused = wstrzymane: czeka na klienta
sla-met = dotrzymane
sla-met-late = dotrzymane z opóźnieniem
sla-due-column = Termin
inbox-sort-due = Najpierw najbliższy termin
account-mail-notifications = Wysyłaj mi też e-mailem ostrzeżenia o terminach i eskalacje
admin-sla = Godziny pracy i SLA
admin-sla-help = Kalendarz mówi, kiedy zespół pracuje; zasada SLA określa, jak szybko trzeba odpowiedzieć na zgłoszenia jej skrzynek i je rozwiązać, licząc czas pracy kalendarza. Skrzynka pokazuje pozostały czas; osoba odpowiedzialna i lider zespołu dowiadują się o tym przed przekroczeniem terminu i gdy zostanie przekroczony.
admin-calendars = Kalendarze
admin-calendars-none = Nie ma jeszcze kalendarza.
admin-calendar-add = Dodaj kalendarz
admin-calendar-name = Nazwa
admin-calendar-zone = Strefa czasowa
admin-calendar-week = Godziny pracy
admin-calendar-week-help = Dni i godziny angielskimi skrótami, np. „mon-fri 09:00-17:00, sat 10:00-14:00”; 22:00-06:00 trwa przez północ.
admin-calendar-holidays = Święta
admin-calendar-holidays-help = Jedno w wierszu, data i nazwa: 2026-12-24 Wigilia. W te dni zegar stoi.
admin-calendar-public = Dodaj święta państwowe
admin-calendar-public-help = Dodaje do listy święta państwowe kraju w tym roku; dni, które już tam są, zostają.
admin-calendar-country = Kraj
admin-calendar-year = Rok
country-cz = Czechy
country-pl = Polska
country-ru = Rosja
admin-sla-policies = Zasady SLA
admin-sla-policies-none = Nie ma jeszcze zasady SLA: zgłoszenia nie są mierzone.
admin-sla-policy-add = Dodaj zasadę SLA
admin-sla-calendar-first = Najpierw dodaj kalendarz: zasada liczy czas w jego godzinach pracy.
admin-sla-policy-calendar = Kalendarz
admin-sla-policy-calendar-help = Do terminów liczą się tylko godziny pracy tego kalendarza.
admin-sla-targets = Terminy
admin-sla-targets-help = Czas pracy: 30m, 8h, 1h30m (trzy ośmiogodzinne dni to 24h). Dla kanału i priorytetu zgłoszenia obowiązuje najbardziej szczegółowy wiersz; „dowolny” pasuje do każdego. Pusty czas: bez terminu.
admin-sla-channel = Kanał
admin-sla-priority = Priorytet
admin-sla-any = dowolny
admin-sla-policy-warn = Ostrzeż wcześniej o
admin-sla-policy-warn-help = Na ile przed terminem dowiadują się o tym osoba odpowiedzialna i lider zespołu (np. 30m, 1h).
admin-sla-policy-escalate = Eskaluj do lidera zespołu
admin-sla-policy-escalate-help = Przekazuje zgłoszenie liderowi jego zespołu, z powodem w historii.
admin-sla-escalate-off = nigdy, tylko powiadom
admin-sla-escalate-warning = gdy termin się zbliża
admin-sla-escalate-breach = gdy termin minie
admin-sla-policy-mailboxes = Mierzone skrzynki
admin-sla-policy-mailboxes-help = Skrzynkę mierzy jedna zasada: zaznaczenie jej tutaj zabiera ją każdej innej.
channel-email = E-mail
channel-api = API
channel-web = Formularz na stronie
channel-chat = Czat
notice-rule = Reguła „{ $rule }” prosi, żebyś zajrzał(a) do tego zgłoszenia
greeting-neutral = Dzień dobry,
greeting-formal = { $gender ->
    [male] Dzień dobry, Panie { $name },
    [female] Dzień dobry, Pani { $name },
   *[other] Dzień dobry,
}
greeting-informal = Cześć { $name },
weekday-on-1 = w poniedziałek
weekday-on-2 = we wtorek
weekday-on-3 = w środę
weekday-on-4 = w czwartek
weekday-on-5 = w piątek
weekday-on-6 = w sobotę
weekday-on-7 = w niedzielę
admin-mailbox-language = Język klientów
admin-mailbox-language-help = Dla nowego klienta, którego języka nie da się poznać z wiadomości (jest za krótka albo w języku, dla którego nie mamy tu tekstów).
admin-ack-versions = Potwierdzenie w innych językach
admin-ack-versions-help = Klient, dla którego języka jest tu wersja, dostaje ją; pozostali dostają tekst powyżej.
admin-installation-default = domyślny język instalacji
admin-default-language = Język domyślny
admin-default-language-help = Dla strony logowania, gdy przeglądarka nie prosi o żaden z naszych języków, dla nowych agentów i dla skrzynek, które nie mają ustawionego języka.
month-of-1 = stycznia
month-of-2 = lutego
month-of-3 = marca
month-of-4 = kwietnia
month-of-5 = maja
month-of-6 = czerwca
month-of-7 = lipca
month-of-8 = sierpnia
month-of-9 = września
month-of-10 = października
month-of-11 = listopada
month-of-12 = grudnia
date-time = { $day } { $month_name } { $year }, { $time }
admin-mailbox-time-zone = Strefa czasowa
admin-mailbox-time-zone-help = Daty w wiadomościach tej skrzynki są podawane w tej strefie (np. Europe/Warsaw); puste: strefa jej kalendarza SLA.

## knowledge base and help centre
error-kb-image-type = Do artykułu można dodać tylko obrazy PNG, JPEG, GIF i WebP.
error-kb-language-fixed = Języka artykułu nie można zmienić; napisz tłumaczenie.
error-kb-read-only = Twoja rola pozwala czytać bazę wiedzy, ale nie pisać w niej.
error-kb-taken = { $what } jest już używane przez inną kategorię.
error-kb-translation-fixed = To, czego tłumaczeniem jest artykuł, ustala się przy jego pisaniu.
error-title-required = Tytuł jest wymagany.
error-unknown-article = Nie ma takiego artykułu.
error-unknown-category = Nie ma takiej kategorii.
help-title = Centrum pomocy
help-description = Odpowiedzi na częste pytania: zamówienia, dostawa, zwroty i płatności.
help-all-articles = { $count ->
    [one] { $count } artykuł
    [few] Wszystkie { $count } artykuły
   *[many] Wszystkie { $count } artykułów
}
help-also-in = Także w języku:
help-breadcrumb = Jesteś tutaj
help-empty = Nie ma tu jeszcze artykułów.
help-search = Szukaj w centrum pomocy
help-search-button = Szukaj
help-search-results = Wyniki dla „{ $query }”
help-search-none = Nic nie znaleźliśmy dla tych słów. Spróbuj innych słów albo napisz do nas.
help-helpful = Czy ten artykuł był pomocny?
help-yes = Tak
help-no = Nie
help-thanks = Dziękujemy za opinię.
help-languages = Języki
help-other = Inne artykuły
help-permalink = Link do tej odpowiedzi
help-pinned = Popularne tematy
help-related = Powiązane artykuły
help-skip = Przejdź do treści
help-updated = Zaktualizowano { $date }
kb-title = Baza wiedzy
kb-new = Nowy artykuł
kb-open-help = Otwórz centrum pomocy
kb-language = Język
kb-filter = Pokaż
kb-article = Artykuł
kb-article-title = Tytuł
kb-status = Stan
kb-status-draft = Szkic
kb-status-published = Opublikowany
kb-status-changed = Opublikowany, z nieopublikowanymi zmianami
kb-votes = Przydatność
kb-updated = Zmieniono
kb-internal = wewnętrzny
kb-internal-help = Wewnętrzny: tylko dla agentów, nigdy w centrum pomocy
kb-pinned-help = Przypięty na stronie głównej centrum pomocy
kb-no-category = Bez kategorii
kb-category = Kategoria
kb-categories = Kategorie
kb-category-add = Dodaj kategorię
kb-category-delete = Usuń tę kategorię (jej artykuły zostaną)
kb-category-kind = Rodzaj
kb-kind-articles = Artykuły
kb-position = Kolejność
kb-description = Opis
kb-slug = Adres (slug)
kb-markdown = Tekst (Markdown)
kb-preview = Podgląd
kb-image = Dodaj obraz
kb-save-draft = Zapisz szkic
kb-publish = Opublikuj
kb-unpublish = Zdejmij z centrum pomocy
kb-delete = Usuń ten artykuł wraz z historią
kb-history = Historia
kb-current = bieżący szkic
kb-restore = Przywróć tę wersję jako szkic
kb-translations = Tłumaczenia:
kb-translate = Przetłumacz na { $language }
error-brand-colour = „{ $value }” nie jest kolorem w postaci #1a56b0.
error-brand-contrast = Biały tekst na { $colour } źle się czyta (kontrast { $ratio }:1; potrzeba co najmniej 4,5:1): wybierz ciemniejszy kolor.
kb-brand = Wygląd centrum pomocy
kb-brand-name = Nazwa
kb-brand-colour = Kolor
kb-brand-logo = Logo
kb-brand-remove-logo = Usuń logo
